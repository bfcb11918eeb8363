-- c needs b
select id from {{ ref('model_b') }}
