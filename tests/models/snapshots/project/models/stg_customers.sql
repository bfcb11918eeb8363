select
    id,
    name,
    tier,
    email,
    cast(updated_at as timestamp) as updated_at
from {{ ref('raw_customers') }}
