-- ckey: the sum (mod 2^32) of the keys of the records counted in the row (the
-- cell-key method; etl/cellkey.go). The API perturbs a released count from the
-- summed key of the population it describes, so one population has one
-- released value however a question is phrased. A key identifies nobody.
ALTER TABLE fact_child_month {on_cluster} ADD COLUMN ckey UInt32 AFTER value
