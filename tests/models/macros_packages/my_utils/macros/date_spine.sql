{# Days from start_date (included) to end_date (excluded). #}
{% macro day_spine(start_date, end_date) -%}
    select cast(range as date) as day
    from range(date '{{ start_date }}', date '{{ end_date }}', interval 1 day)
{%- endmacro %}
