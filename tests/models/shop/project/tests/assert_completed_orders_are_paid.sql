-- A completed order must be paid in full: any row returned is a failure.
select order_id, amount, total_paid
from {{ ref('fct_orders') }}
where status = 'completed'
  and total_paid < amount
