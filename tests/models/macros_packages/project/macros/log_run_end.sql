{% macro log_run_end(results) -%}
    insert into audit.run_log
    select count(*) + 1, 'run end: {{ results | length }} results', '{{ target.name }}', '{{ target.schema }}'
    from audit.run_log
{%- endmacro %}
