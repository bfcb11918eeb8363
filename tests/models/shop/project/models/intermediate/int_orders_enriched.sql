select
    o.order_id,
    o.customer_id,
    o.order_date,
    o.status,
    o.amount,
    coalesce(p.total_paid, 0) as total_paid,
    coalesce(p.payment_count, 0) as payment_count
from {{ ref('stg_orders') }} as o
left join {{ ref('int_order_payments') }} as p
    on o.order_id = p.order_id
