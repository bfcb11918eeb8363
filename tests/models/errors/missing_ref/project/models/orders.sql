-- orders, from the staging model
select id, amount
from {{ ref('stg_order') }}
