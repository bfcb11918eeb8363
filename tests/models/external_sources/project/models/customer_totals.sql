{{ config(materialized="table") }}
select c.customer, c.country, count(*) as orders, sum(o.amount) as total
from {{ source('files', 'orders') }} o
join {{ source('files', 'customers') }} c using (customer)
group by all
