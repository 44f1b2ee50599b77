-- The API reads the scoring table in force and records uploads as treem_app
-- (its login has no grants of its own). Default privileges gave treem_app
-- INSERT only (00013); an upload reads back its id.

-- +goose Up
GRANT SELECT ON child_friendly_scoring TO treem_app;

-- +goose Down
REVOKE SELECT ON child_friendly_scoring FROM treem_app;
