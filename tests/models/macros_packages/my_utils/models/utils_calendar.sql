-- A model shipped by the package; calls its own macro unqualified.
{{ day_spine('2024-03-01', '2024-03-08') }}
