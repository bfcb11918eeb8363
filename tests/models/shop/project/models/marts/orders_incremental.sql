{{
    config(
        materialized='incremental',
        unique_key='order_id',
        incremental_strategy='merge',
        tags=['finance']
    )
}}

select
    order_id,
    customer_id,
    order_date,
    status,
    amount
from {{ ref('stg_orders') }}

{% if is_incremental() %}
-- only orders from the five days before the newest one already loaded
where order_date >= (select max(order_date) from {{ this }}) - interval 5 day
{% endif %}
