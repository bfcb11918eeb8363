-- a needs c
select id from {{ ref('model_c') }}
