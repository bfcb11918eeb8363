{%- set max_cents = max_paid_cents() -%}

select
    count(*) as payment_count,
    {{ my_utils.safe_divide('sum(amount_cents)', 'count(*)') }} as avg_cents,
    {{ max_cents }} as max_cents,
    {{ my_utils.cents_to_dollars(max_cents) }} as max_paid,
    {{ var('discount_pct') }} as discount_pct,
    '{{ env_var("FLOE_CORPUS_ENV", "default") }}' as corpus_env,
    '{{ target.name }}' as target_name,
    '{{ target.schema }}' as target_schema
from {{ ref('payments') }}
