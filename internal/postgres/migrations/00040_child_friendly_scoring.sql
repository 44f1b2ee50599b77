-- +goose Up
-- child_friendly_scoring: the scoring tables a province officer uploaded for
-- Decision 06/QĐ-TTg, newest in force. Empty: the embedded default applies.
-- Rows are never updated; an upload adds a row, so earlier tables stay on record.
CREATE TABLE child_friendly_scoring (
  id          int GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  version     text NOT NULL CHECK (length(version) BETWEEN 1 AND 100),
  scoring     jsonb NOT NULL,
  uploaded_by text NOT NULL,
  uploaded_at timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE child_friendly_scoring;
