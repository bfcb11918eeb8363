{{
    config(
        materialized='incremental',
        unique_key='id',
        incremental_strategy='delete+insert',
        pre_hook="insert into audit.run_log select count(*) + 1, 'pre_hook {{ this.identifier }}', '{{ target.name }}', '{{ this.schema }}' from audit.run_log",
        post_hook="insert into audit.run_log select count(*) + 1, 'post_hook rows=' || (select count(*) from {{ this }}), '{{ target.name }}', '{{ this.schema }}' from audit.run_log"
    )
}}

select
    id,
    order_id,
    method,
    amount_cents,
    cast(paid_at as timestamp) as paid_at,
    {% if is_incremental() %}'incremental'{% else %}'full'{% endif %} as load_type
from {{ ref('payments') }}

{% if is_incremental() %}
where cast(paid_at as timestamp) > (select max(paid_at) from {{ this }})
{% endif %}
