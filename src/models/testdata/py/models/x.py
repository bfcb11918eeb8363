def model(dbt, session): pass
