DROP TABLE IF EXISTS fact_child_month_unsigned {on_cluster}
