{% macro cents_to_dollars(column_name, scale=2) -%}
    cast({{ column_name }} / 100 as decimal(10, {{ scale }}))
{%- endmacro %}
