select * from (values (1, 10), (2, 20), (3, 30)) as t(id, amount)
