{% snapshot customers_ts %}

{{
    config(
        target_schema='snapshots',
        unique_key='id',
        strategy='timestamp',
        updated_at='updated_at',
        invalidate_hard_deletes=True
    )
}}

select
    id,
    name,
    tier,
    email,
    cast(updated_at as timestamp) as updated_at
from {{ ref('raw_customers') }}

{% endsnapshot %}
