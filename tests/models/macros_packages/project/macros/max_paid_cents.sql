{% macro max_paid_cents() %}
    {% call statement('max_paid', fetch_result=True) %}
        select max(amount_cents) from {{ ref('payments') }}
    {% endcall %}
    {% if execute %}
        {% set max_cents = load_result('max_paid')['data'][0][0] %}
        {{ return(max_cents) }}
    {% else %}
        {{ return(0) }}
    {% endif %}
{% endmacro %}
