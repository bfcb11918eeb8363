{#- Converts an integer amount in cents to a DECIMAL amount in dollars. -#}
{% macro cents_to_dollars(column_name, scale=2) -%}
    cast({{ column_name }} / 100 as decimal(12, {{ scale }}))
{%- endmacro %}
