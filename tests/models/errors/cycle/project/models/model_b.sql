-- b needs a
select id from {{ ref('model_a') }}
