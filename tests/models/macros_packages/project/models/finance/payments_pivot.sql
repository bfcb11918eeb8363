{%- set methods_query -%}
    select distinct method from {{ ref('payments') }} order by method
{%- endset -%}

{%- if execute -%}
    {%- set methods = run_query(methods_query).columns[0].values() -%}
{%- else -%}
    {%- set methods = [] -%}
{%- endif -%}

select
    order_id,
    {%- for method in methods %}
    sum(case when method = '{{ method }}' then amount else 0 end) as {{ method }}_amount,
    {%- endfor %}
    sum(amount) as total_amount
from {{ ref('payments_clean') }}
group by order_id
