select id, amont * 2 as doubled
from {{ ref('m1_base') }}
