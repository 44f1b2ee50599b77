-- A scoring table that departs from the values Decision 06/QĐ-TTg fixes (the
-- thresholds 850/800/900, criterion 1, the top bands of 6.1, 6.2 and 7) is
-- kept only with the officer's stated reason, beside the departures it was
-- accepted with.

-- +goose Up
ALTER TABLE child_friendly_scoring
  ADD COLUMN departures text[] NOT NULL DEFAULT '{}',
  ADD COLUMN override_reason text CHECK (length(override_reason) BETWEEN 10 AND 2000),
  ADD CONSTRAINT child_friendly_scoring_override CHECK (cardinality(departures) = 0 OR override_reason IS NOT NULL);

-- +goose Down
ALTER TABLE child_friendly_scoring DROP COLUMN departures, DROP COLUMN override_reason;
