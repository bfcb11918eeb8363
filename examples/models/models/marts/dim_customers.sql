with customers as (
    select * from {{ ref('stg_customers') }}
),

order_stats as (
    select
        customer_id,
        min(order_date) as first_order_date,
        max(order_date) as most_recent_order_date,
        count(*) as number_of_orders,
        -- returned and cancelled orders bring no revenue
        sum(case when status in ('shipped', 'completed') then amount_paid else 0 end) as lifetime_value
    from {{ ref('fct_orders') }}
    group by customer_id
)

select
    customers.customer_id,
    customers.full_name,
    customers.email,
    customers.country_code,
    customers.signup_date,
    order_stats.first_order_date,
    order_stats.most_recent_order_date,
    coalesce(order_stats.number_of_orders, 0) as number_of_orders,
    coalesce(order_stats.lifetime_value, 0) as lifetime_value
from customers
left join order_stats using (customer_id)
