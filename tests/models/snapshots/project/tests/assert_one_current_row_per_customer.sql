-- Each customer has at most one current version in the timestamp snapshot.
select id, count(*) as current_versions
from {{ ref('customers_ts') }}
where dbt_valid_to is null
group by id
having count(*) > 1
