with orders as (
    select * from {{ ref('fct_orders') }}
)

select
    c.customer_id,
    c.customer_name,
    c.country,
    count(o.order_id) as order_count,
    coalesce(sum(o.amount) filter (where o.status in ('completed', 'shipped')), 0) as lifetime_value,
    coalesce(sum(o.amount) filter (where o.status in ('completed', 'shipped')), 0)
        >= {{ var('vip_threshold', 50) }} as is_vip
from {{ ref('stg_customers') }} as c
left join orders as o
    on c.customer_id = o.customer_id
group by c.customer_id, c.customer_name, c.country
