-- Holidays become data that a province officer keeps up to date (mutations,
-- audited) instead of rows only a migration can add, and the case deadlines'
-- working-day counts move to a table so that an unconfirmed one is marked as
-- such (issue "Analytics that are right in every year").
--
-- public_holiday rows are of two kinds: a weekday off ('holiday') and a weekend
-- day worked in exchange for a day off ('working_day'). The check keeps each
-- kind on the days where it changes something.

-- +goose Up
ALTER TABLE public_holiday
  ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  ADD COLUMN kind text NOT NULL DEFAULT 'holiday' CHECK (kind IN ('holiday', 'working_day')),
  ADD COLUMN provisional boolean NOT NULL DEFAULT false,
  ADD COLUMN source text NOT NULL DEFAULT 'official holiday notices for civil servants, 2019–2026 (loaded by migration 00002)';
ALTER TABLE public_holiday ALTER COLUMN kind DROP DEFAULT, ALTER COLUMN provisional DROP DEFAULT,
  ALTER COLUMN source DROP DEFAULT;

-- Saturday 29/04/2023 (Giỗ Tổ) was a weekend day, off anyway; its compensatory
-- day, Wednesday 03/05/2023, is listed.
DELETE FROM public_holiday WHERE day = '2023-04-29';
ALTER TABLE public_holiday ADD CONSTRAINT public_holiday_kind_day
  CHECK ((kind = 'working_day') = (extract(isodow FROM day) >= 6));

INSERT INTO public_holiday (day, kind, name, provisional, source) VALUES
  ('2024-05-04', 'working_day', 'Làm bù ngày 29/04/2024', true,
   'swap for Monday 29/04/2024 (listed) as reported for the 2024 civil-service notice; notice not re-read'),
  ('2025-04-26', 'working_day', 'Làm bù ngày 02/05/2025', false,
   '2025 civil-service notice: Friday 02/05/2025 off, worked on Saturday 26/04/2025'),
  ('2025-05-02', 'holiday', 'Nghỉ hoán đổi (Quốc tế Lao động)', false,
   '2025 civil-service notice: Friday 02/05/2025 off, worked on Saturday 26/04/2025');

-- 2027–2030 are not announced yet: the days follow Labour Code 2019 Art. 112(1)
-- and the pattern of the 2019–2026 notices, and are provisional until the
-- Government's notice for the year replaces them. Lunar dates are computed for
-- UTC+7 (Hồ Ngọc Đức's algorithm), which gives the listed Tết of 2019–2026.
INSERT INTO public_holiday (day, kind, name, provisional, source) VALUES
  ('2027-01-01', 'holiday', 'Tết Dương lịch', true, 'provisional: 1 January (Labour Code 2019 Art. 112(1)(a))'),
  ('2027-02-04', 'holiday', 'Tết Nguyên đán', true, 'provisional Tết rule (see below)'),
  ('2027-02-05', 'holiday', 'Tết Nguyên đán', true, 'provisional Tết rule (see below)'),
  ('2027-02-08', 'holiday', 'Tết Nguyên đán', true, 'provisional Tết rule (see below)'),
  ('2027-02-09', 'holiday', 'Tết Nguyên đán', true, 'provisional Tết rule (see below)'),
  ('2027-02-10', 'holiday', 'Tết Nguyên đán', true, 'provisional Tết rule (see below)'),
  ('2027-04-16', 'holiday', 'Giỗ Tổ Hùng Vương', true, 'provisional: 10th day of the 3rd lunar month (Art. 112(1)(e))'),
  ('2027-04-30', 'holiday', 'Ngày Chiến thắng', true, 'provisional: 30 April (Art. 112(1)(c))'),
  ('2027-05-03', 'holiday', 'Quốc tế Lao động', true, 'provisional: 1 May falls on a Saturday, off the next working day (Art. 111(3))'),
  ('2027-09-02', 'holiday', 'Quốc khánh', true, 'provisional: 2 September (Art. 112(1)(đ))'),
  ('2027-09-03', 'holiday', 'Quốc khánh', true, 'provisional: the day adjacent to 2 September (Art. 112(1)(đ)) that joins the weekend'),
  ('2028-01-03', 'holiday', 'Tết Dương lịch', true, 'provisional: 1 January falls on a Saturday, off the next working day (Art. 111(3))'),
  ('2028-01-24', 'holiday', 'Tết Nguyên đán', true, 'provisional Tết rule (see below)'),
  ('2028-01-25', 'holiday', 'Tết Nguyên đán', true, 'provisional Tết rule (see below)'),
  ('2028-01-26', 'holiday', 'Tết Nguyên đán', true, 'provisional Tết rule (see below)'),
  ('2028-01-27', 'holiday', 'Tết Nguyên đán', true, 'provisional Tết rule (see below)'),
  ('2028-01-28', 'holiday', 'Tết Nguyên đán', true, 'provisional Tết rule (see below)'),
  ('2028-04-04', 'holiday', 'Giỗ Tổ Hùng Vương', true, 'provisional: 10th day of the 3rd lunar month (Art. 112(1)(e))'),
  ('2028-05-01', 'holiday', 'Quốc tế Lao động', true, 'provisional: 1 May (Art. 112(1)(d))'),
  ('2028-05-02', 'holiday', 'Ngày Chiến thắng', true, 'provisional: 30 April falls on a Sunday, off the next working day (Art. 111(3))'),
  ('2028-09-01', 'holiday', 'Quốc khánh', true, 'provisional: the weekday adjacent to 2 September (Art. 112(1)(đ))'),
  ('2028-09-04', 'holiday', 'Quốc khánh', true, 'provisional: 2 September falls on a Saturday, off the next working day (Art. 111(3))'),
  ('2029-01-01', 'holiday', 'Tết Dương lịch', true, 'provisional: 1 January (Labour Code 2019 Art. 112(1)(a))'),
  ('2029-02-12', 'holiday', 'Tết Nguyên đán', true, 'provisional Tết rule (see below)'),
  ('2029-02-13', 'holiday', 'Tết Nguyên đán', true, 'provisional Tết rule (see below)'),
  ('2029-02-14', 'holiday', 'Tết Nguyên đán', true, 'provisional Tết rule (see below)'),
  ('2029-02-15', 'holiday', 'Tết Nguyên đán', true, 'provisional Tết rule (see below)'),
  ('2029-02-16', 'holiday', 'Tết Nguyên đán', true, 'provisional Tết rule (see below)'),
  ('2029-04-23', 'holiday', 'Giỗ Tổ Hùng Vương', true, 'provisional: 10th day of the 3rd lunar month (Art. 112(1)(e))'),
  ('2029-04-30', 'holiday', 'Ngày Chiến thắng', true, 'provisional: 30 April (Art. 112(1)(c))'),
  ('2029-05-01', 'holiday', 'Quốc tế Lao động', true, 'provisional: 1 May (Art. 112(1)(d))'),
  ('2029-09-03', 'holiday', 'Quốc khánh', true, 'provisional: the weekday adjacent to 2 September (Art. 112(1)(đ))'),
  ('2029-09-04', 'holiday', 'Quốc khánh', true, 'provisional: 2 September falls on a Sunday, off the next working day (Art. 111(3))'),
  ('2030-01-01', 'holiday', 'Tết Dương lịch', true, 'provisional: 1 January (Labour Code 2019 Art. 112(1)(a))'),
  ('2030-01-31', 'holiday', 'Tết Nguyên đán', true, 'provisional Tết rule (see below)'),
  ('2030-02-01', 'holiday', 'Tết Nguyên đán', true, 'provisional Tết rule (see below)'),
  ('2030-02-04', 'holiday', 'Tết Nguyên đán', true, 'provisional Tết rule (see below)'),
  ('2030-02-05', 'holiday', 'Tết Nguyên đán', true, 'provisional Tết rule (see below)'),
  ('2030-02-06', 'holiday', 'Tết Nguyên đán', true, 'provisional Tết rule (see below)'),
  ('2030-04-12', 'holiday', 'Giỗ Tổ Hùng Vương', true, 'provisional: 10th day of the 3rd lunar month (Art. 112(1)(e))'),
  ('2030-04-30', 'holiday', 'Ngày Chiến thắng', true, 'provisional: 30 April (Art. 112(1)(c))'),
  ('2030-05-01', 'holiday', 'Quốc tế Lao động', true, 'provisional: 1 May (Art. 112(1)(d))'),
  ('2030-09-02', 'holiday', 'Quốc khánh', true, 'provisional: 2 September (Art. 112(1)(đ))'),
  ('2030-09-03', 'holiday', 'Quốc khánh', true, 'provisional: the weekday adjacent to 2 September (Art. 112(1)(đ))');
UPDATE public_holiday SET source = 'provisional Tết rule, the pattern of the 2019–2026 notices: the last day of the '
  || 'lunar year and the first four days of the new year (Art. 112(1)(b)); each of them on a weekend is replaced by '
  || 'a weekday, alternately the one before and the one after the five days'
WHERE source = 'provisional Tết rule (see below)';

-- The API writes holidays as treem_app (00013 gave it INSERT only on later
-- tables; this one is older and readable, but a removal needs DELETE).
GRANT DELETE ON public_holiday TO treem_app;
GRANT USAGE ON SEQUENCE public_holiday_id_seq TO treem_app;

-- The working days allowed for each step of Decree 56/2017 Chapter III. The
-- approval count is not from the Decree: Art. 28(3) was not read, and 07
-- working days from receipt is what provincial administrative-procedure
-- listings give, so it stays provisional until the article is read.
CREATE TABLE case_deadline (
  step         text PRIMARY KEY CHECK (step IN ('plan_draft', 'plan_approval')),
  working_days int NOT NULL CHECK (working_days BETWEEN 1 AND 60),
  provisional  boolean NOT NULL,
  source       text NOT NULL
);
INSERT INTO case_deadline (step, working_days, provisional, source) VALUES
  ('plan_draft', 5, false, 'Decree 56/2017 Art. 28(1), except emergencies'),
  ('plan_approval', 7, true,
   'provincial administrative-procedure listings: 07 working days in all from receipt, except emergencies; Art. 28(3) not read');
GRANT SELECT ON case_deadline TO treem_app;

-- Both deadlines of the cases already recorded are computed once more here,
-- over the corrected calendar: the approval deadline is new, and the 2024 and
-- 2025 swaps move some plan deadlines. This runs once over the rows present
-- now, so a SQL copy of the working-day rule serves, and is dropped at the end
-- so it cannot drift from domain.Calendar, the rule the application uses.
ALTER TABLE protection_case ADD COLUMN approval_deadline timestamptz;

-- +goose StatementBegin
CREATE FUNCTION migration_00063_deadline(received timestamptz, step text) RETURNS timestamptz
LANGUAGE plpgsql STABLE AS $$
DECLARE
  d date := (received AT TIME ZONE 'Asia/Ho_Chi_Minh')::date;
  n int := (SELECT working_days FROM case_deadline WHERE case_deadline.step = migration_00063_deadline.step);
BEGIN
  WHILE n > 0 LOOP
    d := d + 1;
    -- A listed day is the exception to its weekday (see public_holiday_kind_day).
    IF (extract(isodow FROM d) < 6) <> EXISTS (SELECT FROM public_holiday h WHERE h.day = d) THEN
      n := n - 1;
    END IF;
  END LOOP;
  RETURN (d + 1)::timestamp AT TIME ZONE 'Asia/Ho_Chi_Minh';
END $$;
-- +goose StatementEnd

UPDATE protection_case SET plan_deadline = migration_00063_deadline(received_at, 'plan_draft'),
  approval_deadline = migration_00063_deadline(received_at, 'plan_approval');
DROP FUNCTION migration_00063_deadline(timestamptz, text);
ALTER TABLE protection_case ALTER COLUMN approval_deadline SET NOT NULL,
  ADD CONSTRAINT protection_case_approval_deadline CHECK (approval_deadline > received_at);

-- +goose Down
ALTER TABLE protection_case DROP COLUMN approval_deadline;
DROP TABLE case_deadline;
REVOKE USAGE ON SEQUENCE public_holiday_id_seq FROM treem_app;
REVOKE DELETE ON public_holiday FROM treem_app;
DELETE FROM public_holiday WHERE day >= '2027-01-01' OR kind = 'working_day' OR day = '2025-05-02';
ALTER TABLE public_holiday DROP CONSTRAINT public_holiday_kind_day;
INSERT INTO public_holiday (day, kind, name, provisional, source) VALUES
  ('2023-04-29', 'holiday', 'Giỗ Tổ Hùng Vương', false, 'migration 00002');
ALTER TABLE public_holiday DROP COLUMN id, DROP COLUMN kind, DROP COLUMN provisional, DROP COLUMN source;
