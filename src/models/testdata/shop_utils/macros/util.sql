{% macro util() %}1{% endmacro %}
