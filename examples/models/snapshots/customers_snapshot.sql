{% snapshot customers_snapshot %}

{{
    config(
        target_schema='snapshots',
        unique_key='customer_id',
        strategy='timestamp',
        updated_at='updated_at'
    )
}}

-- Type-2 history of customers: a new row whenever updated_at moves.
select
    customer_id,
    full_name,
    email,
    country_code,
    updated_at
from {{ ref('stg_customers') }}

{% endsnapshot %}
