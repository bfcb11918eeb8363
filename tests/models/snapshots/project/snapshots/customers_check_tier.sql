{% snapshot customers_check_tier %}

{{
    config(
        target_schema='snapshots',
        unique_key='id',
        strategy='check',
        check_cols=['tier']
    )
}}

select id, name, tier, email
from {{ ref('raw_customers') }}

{% endsnapshot %}
