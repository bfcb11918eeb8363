select
    id as customer_id,
    name as customer_name,
    country,
    cast(signup_date as date) as signup_date
from {{ ref('raw_customers') }}
