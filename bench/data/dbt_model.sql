{{ config(materialized='incremental', unique_key='order_id', tags=['finance', 'daily']) }}

{%- set payment_methods = ['credit_card', 'coupon', 'bank_transfer', 'gift_card', 'paypal', 'apple_pay'] -%}
{%- set statuses = {'placed': 1, 'shipped': 2, 'completed': 3, 'returned': 4} -%}
{%- set lookback_days = 3 -%}

with orders as (

    select * from {{ ref('stg_orders') }}

),

payments as (

    select * from {{ ref('stg_payments') }}

),

customers as (

    select * from {{ ref('dim_customers') }}

),

order_payments as (

    select
        order_id,
        {% for method in payment_methods -%}
        sum(case when payment_method = '{{ method }}' then amount else 0 end) as {{ method }}_amount,
        {% endfor -%}
        sum(amount) as total_amount,
        count(*) as payment_count
    from payments
    group by order_id

),

final as (

    select
        orders.order_id,
        orders.customer_id,
        customers.customer_name,
        orders.order_date,
        case orders.status
        {% for status, rank in statuses.items() -%}
            when '{{ status }}' then {{ rank }}
        {% endfor -%}
            else 0
        end as status_rank,
        {% for method in payment_methods -%}
        order_payments.{{ method }}_amount{{ ',' if not loop.last }}
        {% endfor %},
        order_payments.total_amount as amount
    from orders
    left join order_payments using (order_id)
    left join customers using (customer_id)
    {% if is_incremental() -%}
    where orders.order_date >= (select max(order_date) - interval '{{ lookback_days }} days' from {{ this }})
    {%- endif %}

)

select * from final
