#include "models/internal/builtin_macros.h"

namespace floe::models {

std::string_view BuiltinMacros() {
  static constexpr std::string_view kMacros = R"jinja(
{% macro get_where_subquery(relation) -%}
  {%- set where = config.get('where') -%}
  {%- if where -%}
    (select * from {{ relation }} where {{ where }}) dbt_subquery
  {%- else -%}
    {{ relation }}
  {%- endif -%}
{%- endmacro %}

{% test unique(model, column_name) %}
select
    {{ column_name }} as unique_field,
    count(*) as n_records
from {{ model }}
where {{ column_name }} is not null
group by {{ column_name }}
having count(*) > 1
{% endtest %}

{% test not_null(model, column_name) %}
select {{ column_name }}
from {{ model }}
where {{ column_name }} is null
{% endtest %}

{% test accepted_values(model, column_name, values, quote=True) %}
with all_values as (
    select
        {{ column_name }} as value_field,
        count(*) as n_records
    from {{ model }}
    group by {{ column_name }}
)
select *
from all_values
where value_field not in (
    {% for value in values -%}
        {% if quote -%}'{{ value }}'{%- else -%}{{ value }}{%- endif -%}
        {%- if not loop.last -%},{%- endif %}
    {%- endfor %}
)
{% endtest %}

{% test relationships(model, column_name, to, field) %}
with child as (
    select {{ column_name }} as from_field
    from {{ model }}
    where {{ column_name }} is not null
),
parent as (
    select {{ field }} as to_field
    from {{ to }}
)
select from_field
from child
left join parent on child.from_field = parent.to_field
where parent.to_field is null
{% endtest %}

{% macro current_timestamp() -%}now()::timestamp{%- endmacro %}
{% macro current_timestamp_in_utc_backcompat() -%}(now() at time zone 'UTC'){%- endmacro %}
{% macro type_string() -%}varchar{%- endmacro %}
{% macro type_int() -%}integer{%- endmacro %}
{% macro type_bigint() -%}bigint{%- endmacro %}
{% macro type_float() -%}double{%- endmacro %}
{% macro type_numeric() -%}numeric(28,6){%- endmacro %}
{% macro type_timestamp() -%}timestamp{%- endmacro %}
{% macro type_boolean() -%}boolean{%- endmacro %}
{% macro safe_cast(field, type) -%}try_cast({{ field }} as {{ type }}){%- endmacro %}
{% macro concat(fields) -%}{{ fields | join(' || ') }}{%- endmacro %}
{% macro hash(field) -%}md5(cast({{ field }} as varchar)){%- endmacro %}
{% macro date_trunc(datepart, date) -%}date_trunc('{{ datepart }}', {{ date }}){%- endmacro %}
{% macro dateadd(datepart, interval, from_date_or_timestamp) -%}
    date_add({{ from_date_or_timestamp }}, interval ({{ interval }}) {{ datepart }})
{%- endmacro %}
{% macro datediff(first_date, second_date, datepart) -%}
    date_diff('{{ datepart }}', {{ first_date }}::timestamp, {{ second_date }}::timestamp)
{%- endmacro %}
{% macro last_day(date, datepart) -%}
    cast(date_trunc('{{ datepart }}', {{ date }}) + interval 1 {{ datepart }} - interval 1 day as date)
{%- endmacro %}
{% macro split_part(string_text, delimiter_text, part_number) -%}
    split_part({{ string_text }}, {{ delimiter_text }}, {{ part_number }})
{%- endmacro %}
{% macro replace(field, old_chars, new_chars) -%}replace({{ field }}, {{ old_chars }}, {{ new_chars }}){%- endmacro %}
{% macro length(expression) -%}length({{ expression }}){%- endmacro %}
{% macro right(string_text, length_expression) -%}right({{ string_text }}, {{ length_expression }}){%- endmacro %}
{% macro position(substring_text, string_text) -%}position({{ substring_text }} in {{ string_text }}){%- endmacro %}
{% macro any_value(expression) -%}any_value({{ expression }}){%- endmacro %}
{% macro bool_or(expression) -%}bool_or({{ expression }}){%- endmacro %}
{% macro listagg(measure, delimiter_text="','", order_by_clause=none, limit_num=none) -%}
    string_agg({{ measure }}, {{ delimiter_text }} {{ order_by_clause or '' }})
{%- endmacro %}
{% macro cast_bool_to_text(field) -%}cast({{ field }} as varchar){%- endmacro %}
{% macro escape_single_quotes(expression) -%}{{ expression | replace("'", "''") }}{%- endmacro %}
{% macro string_literal(value) -%}'{{ value }}'{%- endmacro %}
{% macro except() -%}except{%- endmacro %}
{% macro intersect() -%}intersect{%- endmacro %}
)jinja";
  return kMacros;
}

}  // namespace floe::models
