select
    customer_id,
    first_name,
    last_name,
    first_name || ' ' || last_name as full_name,
    lower(email) as email,
    upper(country_code) as country_code,
    cast(signup_date as date) as signup_date,
    cast(updated_at as timestamp) as updated_at
from {{ ref('raw_customers') }}
