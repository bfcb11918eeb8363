select
    id,
    order_id,
    method,
    {{ format_label('method') }} as method_label,
    {{ my_utils.cents_to_dollars('amount_cents') }} as amount,
    cast(paid_at as timestamp) as paid_at,
    {%- for m in var('payment_methods') %}
    method = '{{ m }}' as is_{{ m }}{{ "," if not loop.last }}
    {%- endfor %}
from {{ ref('payments') }}
