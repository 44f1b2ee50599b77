-- The API role reads the code-keeper view unit_district_2021 (public reference
-- data); 00013 took that read back with the ETL's tables.

-- +goose Up
GRANT SELECT ON unit_district_2021 TO treem_app;

-- +goose Down
REVOKE SELECT ON unit_district_2021 FROM treem_app;
