with orders as (
    select * from {{ ref('stg_orders') }}
),

payments as (
    select * from {{ ref('int_order_payments') }}
)

select
    orders.order_id,
    orders.customer_id,
    orders.order_date,
    orders.status,
    coalesce(payments.payment_count, 0) as payment_count,
    coalesce(payments.amount_paid, 0) as amount_paid,
    coalesce(payments.gift_card_amount, 0) as gift_card_amount,
    coalesce(payments.amount_paid, 0) >= {{ var('large_order_threshold') }} as is_large_order,
    payments.last_paid_at
from orders
left join payments using (order_id)
