select
    order_id,
    customer_id,
    cast(order_date as date) as order_date,
    lower(status) as status,
    cast(updated_at as timestamp) as updated_at
from {{ ref('raw_orders') }}
