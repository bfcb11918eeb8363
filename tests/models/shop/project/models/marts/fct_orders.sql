{{ config(tags=['finance']) }}

select
    order_id,
    customer_id,
    order_date,
    status,
    amount,
    total_paid,
    payment_count
from {{ ref('int_orders_enriched') }}
where amount >= {{ var('min_amount') }}
