select
    id,
    {% if var('with_flag', true) %}
    1 as flag
    {% endfi %}
from {{ ref('base') }}
