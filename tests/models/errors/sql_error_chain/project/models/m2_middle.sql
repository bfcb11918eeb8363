select id, amount * 2 as doubled
from {{ ref('m1_base') }}
