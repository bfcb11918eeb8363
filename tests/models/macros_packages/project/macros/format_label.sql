{% macro format_label(column_name) -%}
    {{ return(adapter.dispatch('format_label', 'macros_packages')(column_name)) }}
{%- endmacro %}

{% macro default__format_label(column_name) -%}
    upper({{ column_name }})
{%- endmacro %}

{# Chosen over default__ on DuckDB. #}
{% macro duckdb__format_label(column_name) -%}
    upper({{ column_name }}) || '!'
{%- endmacro %}
