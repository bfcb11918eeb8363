-- Singular test: every shipped or completed order must have been paid.
-- Returns the offending orders; the test passes when it returns no rows.
select
    order_id,
    status,
    amount_paid
from {{ ref('fct_orders') }}
where status in ('shipped', 'completed')
  and amount_paid <= 0
