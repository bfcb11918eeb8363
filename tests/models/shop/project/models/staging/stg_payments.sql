-- The source is a seed: say so, so that the seed is loaded before this view is built.
-- depends_on: {{ ref('raw_payments') }}
select
    id as payment_id,
    order_id,
    method as payment_method,
    cast(amount_cents / 100 as decimal(10, 2)) as amount
from {{ source('raw', 'raw_payments') }}
