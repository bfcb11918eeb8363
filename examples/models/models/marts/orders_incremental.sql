{{
    config(
        materialized='incremental',
        unique_key='order_id',
        incremental_strategy='merge',
        on_schema_change='append_new_columns',
        tags=['incremental']
    )
}}

-- The latest state of every order. The first run (or --full-refresh) loads
-- everything; later runs merge only the orders whose updated_at moved past the
-- newest one already in the table.
select
    order_id,
    customer_id,
    order_date,
    status,
    updated_at
from {{ ref('stg_orders') }}

{% if is_incremental() %}
where updated_at > (select coalesce(max(updated_at), timestamp '1900-01-01') from {{ this }})
{% endif %}
