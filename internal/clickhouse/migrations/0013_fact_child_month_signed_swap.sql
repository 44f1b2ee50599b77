RENAME TABLE fact_child_month TO fact_child_month_unsigned, fact_child_month_signed TO fact_child_month {on_cluster}
