-- Operational data: households, children and everything recorded about them.
-- Personal data (names, birth dates, identity numbers, addresses) lives only here.
-- Every table has created_at/updated_at; rows are soft-deleted (deleted_at) so the
-- ETL sees deletes. Every event row carries the org unit valid at its date.

-- +goose Up
CREATE TABLE household (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  unit_id    int NOT NULL REFERENCES org_unit (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz
);
CREATE INDEX household_unit ON household (unit_id);

CREATE TABLE household_poverty (
  household_id bigint NOT NULL REFERENCES household (id),
  year         int NOT NULL CHECK (year BETWEEN 2000 AND 2100),
  status       text NOT NULL CHECK (status IN ('poor', 'near_poor', 'neither')),
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  deleted_at   timestamptz,
  PRIMARY KEY (household_id, year)
);

-- child: a person under 18 known to the Board. Whether they are a "child" (under 16)
-- on a date follows from birth_date; no flag is stored.
CREATE TABLE child (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  full_name       text NOT NULL CHECK (full_name IS NFC NORMALIZED AND length(btrim(full_name)) BETWEEN 1 AND 200),
  sex             char(1) NOT NULL CHECK (sex IN ('M', 'F')),
  birth_date      date NOT NULL CHECK (birth_date >= DATE '1990-01-01'),
  ethnicity       text NOT NULL DEFAULT 'Kinh' CHECK (ethnicity IS NFC NORMALIZED),
  household_id    bigint REFERENCES household (id),
  -- commune_id is the current residence (a unit version); child_residence keeps history.
  commune_id      int NOT NULL REFERENCES org_unit (id),
  identity_number text UNIQUE CHECK (identity_number ~ '^[0-9]{12}$'),
  address         text CHECK (address IS NFC NORMALIZED),
  death_date      date CHECK (death_date >= birth_date),
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  deleted_at      timestamptz
);
CREATE INDEX child_commune ON child (commune_id, id);
CREATE INDEX child_household ON child (household_id);
CREATE INDEX child_birth ON child (birth_date);

CREATE TABLE child_residence (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  child_id   bigint NOT NULL REFERENCES child (id),
  unit_id    int NOT NULL REFERENCES org_unit (id),
  valid_from date NOT NULL,
  valid_to   date CHECK (valid_to > valid_from),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz,
  EXCLUDE USING gist (child_id WITH =, daterange(valid_from, valid_to) WITH &&) WHERE (deleted_at IS NULL)
);
CREATE INDEX child_residence_unit ON child_residence (unit_id);

CREATE TABLE birth_registration (
  child_id           bigint PRIMARY KEY REFERENCES child (id),
  unit_id            int NOT NULL REFERENCES org_unit (id),
  registered_on      date NOT NULL,
  certificate_number text,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  deleted_at         timestamptz
);

CREATE TABLE residence_registration (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  child_id      bigint NOT NULL REFERENCES child (id),
  unit_id       int NOT NULL REFERENCES org_unit (id),
  kind          text NOT NULL CHECK (kind IN ('permanent', 'temporary')),
  registered_on date NOT NULL,
  ended_on      date CHECK (ended_on >= registered_on),
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  deleted_at    timestamptz
);
CREATE INDEX residence_registration_child ON residence_registration (child_id);

CREATE TABLE insurance_card (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  child_id    bigint NOT NULL REFERENCES child (id),
  card_number text NOT NULL CHECK (card_number ~ '^[A-Z]{2}[0-9]{13}$'),
  valid_from  date NOT NULL,
  valid_to    date NOT NULL CHECK (valid_to > valid_from),
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  deleted_at  timestamptz
);
CREATE INDEX insurance_card_child ON insurance_card (child_id);

-- The 14 groups of Law on Children 2016 Art. 10(1).
CREATE TABLE circumstance_group (
  code      text PRIMARY KEY,
  number    smallint NOT NULL UNIQUE CHECK (number BETWEEN 1 AND 14),
  letter    text NOT NULL UNIQUE,
  name_vi   text NOT NULL,
  name_en   text NOT NULL,
  -- sensitive groups get the stricter disclosure threshold in analytics, which
  -- reads internal/indicators' list; a test keeps this copy equal to it.
  sensitive boolean NOT NULL DEFAULT false
);

CREATE TABLE child_circumstance (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  child_id   bigint NOT NULL REFERENCES child (id),
  group_code text NOT NULL REFERENCES circumstance_group (code),
  started_on date NOT NULL,
  ended_on   date CHECK (ended_on >= started_on),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz,
  EXCLUDE USING gist (child_id WITH =, group_code WITH =, daterange(started_on, ended_on, '[]') WITH &&) WHERE (deleted_at IS NULL)
);
CREATE INDEX child_circumstance_child ON child_circumstance (child_id);

-- Risk of falling into special circumstances has no statutory definition; the
-- flags are a configurable list.
CREATE TABLE risk_flag (
  code    text PRIMARY KEY,
  name_vi text NOT NULL,
  name_en text NOT NULL
);

CREATE TABLE child_risk_flag (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  child_id   bigint NOT NULL REFERENCES child (id),
  flag       text NOT NULL REFERENCES risk_flag (code),
  started_on date NOT NULL,
  ended_on   date CHECK (ended_on >= started_on),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz
);
CREATE INDEX child_risk_flag_child ON child_risk_flag (child_id);

-- Public holidays make the Decree 56 "5 working days" deadline computable.
CREATE TABLE public_holiday (
  day  date PRIMARY KEY,
  name text NOT NULL
);

-- protection_case follows Decree 56/2017 Chapter III. Each step has its timestamp;
-- checks refuse a step recorded before its predecessor or without it.
CREATE TABLE protection_case (
  id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  child_id             bigint NOT NULL REFERENCES child (id),
  unit_id              int NOT NULL REFERENCES org_unit (id),
  case_type            text NOT NULL CHECK (case_type IN
                         ('violence', 'sexual_abuse', 'exploitation', 'abandonment', 'trafficking', 'neglect', 'other')),
  status               text NOT NULL DEFAULT 'received' CHECK (status IN
                         ('received', 'initial_assessed', 'emergency_measures', 'detailed_assessed', 'plan_drafted',
                          'plan_approved', 'in_progress', 'reviewed', 'closed', 'replanned')),
  received_at          timestamptz NOT NULL,
  initial_assessed_at  timestamptz CHECK (initial_assessed_at >= received_at),
  emergency_needed     boolean,
  emergency_measures_at timestamptz CHECK (emergency_measures_at >= initial_assessed_at),
  detailed_assessed_at timestamptz CHECK (detailed_assessed_at >= initial_assessed_at),
  plan_drafted_at      timestamptz CHECK (plan_drafted_at >= detailed_assessed_at),
  plan_approved_at     timestamptz CHECK (plan_approved_at >= plan_drafted_at),
  in_progress_at       timestamptz CHECK (in_progress_at >= plan_approved_at),
  reviewed_at          timestamptz CHECK (reviewed_at >= in_progress_at),
  closed_at            timestamptz CHECK (closed_at >= reviewed_at),
  outcome              text CHECK (outcome IN ('closed', 'replanned')),
  -- Deadlines are fixed when the case is received: 12 hours for emergency measures
  -- (Art. 26(3)), 5 working days to draft the plan (Art. 28(1)).
  emergency_deadline   timestamptz NOT NULL CHECK (emergency_deadline = received_at + interval '12 hours'),
  plan_deadline        timestamptz NOT NULL,
  previous_case_id     bigint REFERENCES protection_case (id),
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now(),
  deleted_at           timestamptz,
  CHECK (emergency_measures_at IS NULL OR emergency_needed),
  CHECK ((closed_at IS NULL) = (outcome IS NULL)),
  CHECK (plan_deadline > received_at)
);
CREATE INDEX protection_case_child ON protection_case (child_id);
CREATE INDEX protection_case_unit ON protection_case (unit_id, received_at);

CREATE TABLE injury (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  child_id    bigint NOT NULL REFERENCES child (id),
  unit_id     int NOT NULL REFERENCES org_unit (id),
  occurred_on date NOT NULL,
  cause       text NOT NULL CHECK (cause IN ('drowning', 'traffic', 'fall', 'burn', 'poisoning', 'animal', 'other')),
  outcome     text NOT NULL CHECK (outcome IN ('injured', 'died')),
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  deleted_at  timestamptz
);
CREATE INDEX injury_child ON injury (child_id);
CREATE INDEX injury_unit ON injury (unit_id, occurred_on);

CREATE TABLE support (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  child_id     bigint NOT NULL REFERENCES child (id),
  unit_id      int NOT NULL REFERENCES org_unit (id),
  support_type text NOT NULL CHECK (support_type IN
                 ('cash', 'in_kind', 'health', 'education', 'psychological', 'legal', 'alternative_care', 'other')),
  provider     text NOT NULL CHECK (provider IS NFC NORMALIZED AND length(provider) BETWEEN 1 AND 200),
  amount_vnd   bigint NOT NULL DEFAULT 0 CHECK (amount_vnd >= 0),
  given_on     date NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  deleted_at   timestamptz
);
CREATE INDEX support_child ON support (child_id);
CREATE INDEX support_unit ON support (unit_id, given_on);

CREATE TABLE swimming_class (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  unit_id    int NOT NULL REFERENCES org_unit (id),
  name       text NOT NULL CHECK (name IS NFC NORMALIZED),
  starts_on  date NOT NULL,
  ends_on    date NOT NULL CHECK (ends_on >= starts_on),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz
);
CREATE INDEX swimming_class_unit ON swimming_class (unit_id, starts_on);

CREATE TABLE swimming_enrolment (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  class_id     bigint NOT NULL REFERENCES swimming_class (id),
  child_id     bigint NOT NULL REFERENCES child (id),
  enrolled_on  date NOT NULL,
  completed_on date CHECK (completed_on >= enrolled_on),
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  deleted_at   timestamptz,
  UNIQUE (class_id, child_id)
);
CREATE INDEX swimming_enrolment_child ON swimming_enrolment (child_id);

CREATE TABLE gift_visit (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  child_id   bigint NOT NULL REFERENCES child (id),
  unit_id    int NOT NULL REFERENCES org_unit (id),
  occasion   text NOT NULL CHECK (occasion IN ('children_day', 'mid_autumn', 'tet')),
  visited_on date NOT NULL,
  value_vnd  bigint NOT NULL CHECK (value_vnd >= 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz
);
CREATE INDEX gift_visit_child ON gift_visit (child_id);
CREATE INDEX gift_visit_unit ON gift_visit (unit_id, visited_on);

-- immunisation: full EPI schedule completed before the first birthday.
CREATE TABLE immunisation (
  child_id              bigint PRIMARY KEY REFERENCES child (id),
  unit_id               int NOT NULL REFERENCES org_unit (id),
  fully_immunised_on    date NOT NULL,
  created_at            timestamptz NOT NULL DEFAULT now(),
  updated_at            timestamptz NOT NULL DEFAULT now(),
  deleted_at            timestamptz
);

CREATE TABLE nutrition_measurement (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  child_id    bigint NOT NULL REFERENCES child (id),
  unit_id     int NOT NULL REFERENCES org_unit (id),
  measured_on date NOT NULL,
  weight_kg   numeric(5, 2) NOT NULL CHECK (weight_kg > 0 AND weight_kg < 150),
  height_cm   numeric(5, 1) NOT NULL CHECK (height_cm > 30 AND height_cm < 220),
  -- WHO z-score classifications (< -2 SD), recorded by the health station.
  underweight boolean NOT NULL,
  stunted     boolean NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  deleted_at  timestamptz
);
CREATE INDEX nutrition_measurement_child ON nutrition_measurement (child_id);

CREATE TABLE health_checkup (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  child_id   bigint NOT NULL REFERENCES child (id),
  unit_id    int NOT NULL REFERENCES org_unit (id),
  checked_on date NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz
);
CREATE INDEX health_checkup_child ON health_checkup (child_id);

-- school_attendance: one row per child and school year (starting September of year).
CREATE TABLE school_attendance (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  child_id    bigint NOT NULL REFERENCES child (id),
  unit_id     int NOT NULL REFERENCES org_unit (id),
  school_year int NOT NULL CHECK (school_year BETWEEN 2000 AND 2100),
  level       text NOT NULL CHECK (level IN ('preschool', 'primary', 'lower_secondary', 'upper_secondary')),
  attending   boolean NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  deleted_at  timestamptz,
  UNIQUE (child_id, school_year)
);

CREATE TABLE service_point (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  unit_id    int NOT NULL REFERENCES org_unit (id),
  name       text NOT NULL CHECK (name IS NFC NORMALIZED),
  opened_on  date NOT NULL,
  closed_on  date CHECK (closed_on >= opened_on),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz
);
CREATE INDEX service_point_unit ON service_point (unit_id);

CREATE TABLE communication_activity (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  unit_id      int NOT NULL REFERENCES org_unit (id),
  held_on      date NOT NULL,
  topic        text NOT NULL CHECK (topic IS NFC NORMALIZED AND length(topic) BETWEEN 1 AND 300),
  participants int NOT NULL CHECK (participants >= 0),
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  deleted_at   timestamptz
);
CREATE INDEX communication_activity_unit ON communication_activity (unit_id, held_on);

-- commune_facts: what a commune declares each year for the child-friendly
-- criteria (Decision 06/QĐ-TTg) that are not counts of children.
CREATE TABLE commune_facts (
  unit_id                    int NOT NULL REFERENCES org_unit (id),
  year                       int NOT NULL CHECK (year BETWEEN 2019 AND 2100),
  worker_assigned            boolean NOT NULL,
  villages                   int NOT NULL CHECK (villages > 0),
  villages_with_collaborator int NOT NULL CHECK (villages_with_collaborator BETWEEN 0 AND villages),
  board_meetings             int NOT NULL CHECK (board_meetings >= 0),
  funding_vnd                bigint NOT NULL CHECK (funding_vnd >= 0),
  play_venues                int NOT NULL CHECK (play_venues >= 0),
  children_forums            int NOT NULL CHECK (children_forums >= 0),
  survey_respondents         int NOT NULL CHECK (survey_respondents >= 0),
  survey_satisfied           int NOT NULL CHECK (survey_satisfied BETWEEN 0 AND survey_respondents),
  -- category decides the recognition threshold: 'other' 850, 'mountain_island_dbkk' 800.
  category                   text NOT NULL DEFAULT 'other' CHECK (category IN ('other', 'mountain_island_dbkk', 'ward_central_city')),
  created_at                 timestamptz NOT NULL DEFAULT now(),
  updated_at                 timestamptz NOT NULL DEFAULT now(),
  deleted_at                 timestamptz,
  PRIMARY KEY (unit_id, year)
);

CREATE TABLE plan_activity (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  unit_id    int NOT NULL REFERENCES org_unit (id),
  year       int NOT NULL,
  title      text NOT NULL CHECK (title IS NFC NORMALIZED),
  due_on     date NOT NULL,
  done_on    date,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz
);
CREATE INDEX plan_activity_unit ON plan_activity (unit_id, year);

-- periodic_report: the district's 6-month (due 15/5) and annual (due 20/11) reports.
CREATE TABLE periodic_report (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  unit_id      int NOT NULL REFERENCES org_unit (id),
  period       text NOT NULL CHECK (period ~ '^[0-9]{4}(-H1)?$'),
  due_on       date NOT NULL,
  submitted_at timestamptz,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  deleted_at   timestamptz,
  UNIQUE (unit_id, period)
);

-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['household', 'household_poverty', 'child', 'child_residence', 'birth_registration',
    'residence_registration', 'insurance_card', 'child_circumstance', 'child_risk_flag', 'protection_case',
    'injury', 'support', 'swimming_class', 'swimming_enrolment', 'gift_visit', 'immunisation',
    'nutrition_measurement', 'health_checkup', 'school_attendance', 'service_point', 'communication_activity',
    'commune_facts', 'plan_activity', 'periodic_report']
  LOOP
    EXECUTE format('CREATE TRIGGER %I BEFORE UPDATE ON %I FOR EACH ROW EXECUTE FUNCTION touch_updated_at()',
                   t || '_touch', t);
  END LOOP;
END $$;
-- +goose StatementEnd

INSERT INTO circumstance_group (code, number, letter, name_vi, name_en, sensitive) VALUES
  ('ORPHAN_BOTH', 1, 'a', 'Trẻ em mồ côi cả cha và mẹ', 'Children orphaned of both parents', false),
  ('ABANDONED', 2, 'b', 'Trẻ em bị bỏ rơi', 'Abandoned children', false),
  ('NO_SUPPORT', 3, 'c', 'Trẻ em không nơi nương tựa', 'Children without any support', false),
  ('DISABLED', 4, 'd', 'Trẻ em khuyết tật', 'Children with disabilities', false),
  ('HIV', 5, 'đ', 'Trẻ em nhiễm HIV/AIDS', 'Children living with HIV/AIDS', true),
  ('IN_CONFLICT_LAW', 6, 'e', 'Trẻ em vi phạm pháp luật', 'Children in conflict with the law', true),
  ('DRUG_ADDICTED', 7, 'g', 'Trẻ em nghiện ma túy', 'Drug-addicted children', true),
  ('DROPOUT_WORKING', 8, 'h', 'Trẻ em phải bỏ học kiếm sống chưa hoàn thành phổ cập giáo dục trung học cơ sở',
   'Children who left school to earn a living', false),
  ('VIOLENCE_SERIOUS_HARM', 9, 'i', 'Trẻ em bị tổn hại nghiêm trọng về thể chất và tinh thần do bị bạo lực',
   'Children seriously harmed by violence', true),
  ('EXPLOITED', 10, 'k', 'Trẻ em bị bóc lột', 'Exploited children', true),
  ('SEXUAL_ABUSE', 11, 'l', 'Trẻ em bị xâm hại tình dục', 'Sexually abused children', true),
  ('TRAFFICKED', 12, 'm', 'Trẻ em bị mua bán', 'Trafficked children', true),
  ('SERIOUS_ILLNESS_POOR', 13, 'n',
   'Trẻ em mắc bệnh hiểm nghèo hoặc bệnh phải điều trị dài ngày thuộc hộ nghèo hoặc hộ cận nghèo',
   'Children with a serious or long-term illness in a poor or near-poor household', false),
  ('MIGRANT_REFUGEE_UNACCOMPANIED', 14, 'o',
   'Trẻ em di cư, trẻ em lánh nạn, tị nạn chưa xác định được cha mẹ hoặc không có người chăm sóc',
   'Migrant, displaced or refugee children without identified parents or carer', false);

INSERT INTO risk_flag (code, name_vi, name_en) VALUES
  ('POOR_HOUSEHOLD', 'Thuộc hộ nghèo, cận nghèo', 'Poor or near-poor household'),
  ('PARENT_IMPRISONED', 'Cha hoặc mẹ đang chấp hành án phạt tù', 'Parent imprisoned'),
  ('PARENT_ADDICTED', 'Cha hoặc mẹ nghiện ma túy', 'Parent addicted to drugs'),
  ('PARENT_MIGRANT', 'Cha mẹ đi làm ăn xa', 'Parents working away'),
  ('DOMESTIC_VIOLENCE', 'Gia đình có bạo lực', 'Domestic violence in the family'),
  ('DROPOUT_RISK', 'Có nguy cơ bỏ học', 'At risk of dropping out of school');

-- Vietnamese public holidays (Labour Code 2019 Art. 112), for the working-day deadline.
INSERT INTO public_holiday (day, name) VALUES
  ('2019-01-01', 'Tết Dương lịch'), ('2019-02-04', 'Tết Nguyên đán'), ('2019-02-05', 'Tết Nguyên đán'),
  ('2019-02-06', 'Tết Nguyên đán'), ('2019-02-07', 'Tết Nguyên đán'), ('2019-02-08', 'Tết Nguyên đán'),
  ('2019-04-15', 'Giỗ Tổ Hùng Vương'), ('2019-04-30', 'Ngày Chiến thắng'), ('2019-05-01', 'Quốc tế Lao động'),
  ('2019-09-02', 'Quốc khánh'),
  ('2020-01-01', 'Tết Dương lịch'), ('2020-01-23', 'Tết Nguyên đán'), ('2020-01-24', 'Tết Nguyên đán'),
  ('2020-01-27', 'Tết Nguyên đán'), ('2020-01-28', 'Tết Nguyên đán'), ('2020-01-29', 'Tết Nguyên đán'),
  ('2020-04-02', 'Giỗ Tổ Hùng Vương'), ('2020-04-30', 'Ngày Chiến thắng'), ('2020-05-01', 'Quốc tế Lao động'),
  ('2020-09-02', 'Quốc khánh'),
  ('2021-01-01', 'Tết Dương lịch'), ('2021-02-10', 'Tết Nguyên đán'), ('2021-02-11', 'Tết Nguyên đán'),
  ('2021-02-12', 'Tết Nguyên đán'), ('2021-02-15', 'Tết Nguyên đán'), ('2021-02-16', 'Tết Nguyên đán'),
  ('2021-04-21', 'Giỗ Tổ Hùng Vương'), ('2021-04-30', 'Ngày Chiến thắng'), ('2021-05-03', 'Quốc tế Lao động'),
  ('2021-09-02', 'Quốc khánh'), ('2021-09-03', 'Quốc khánh'),
  ('2022-01-03', 'Tết Dương lịch'), ('2022-01-31', 'Tết Nguyên đán'), ('2022-02-01', 'Tết Nguyên đán'),
  ('2022-02-02', 'Tết Nguyên đán'), ('2022-02-03', 'Tết Nguyên đán'), ('2022-02-04', 'Tết Nguyên đán'),
  ('2022-04-11', 'Giỗ Tổ Hùng Vương'), ('2022-05-02', 'Ngày Chiến thắng'), ('2022-05-03', 'Quốc tế Lao động'),
  ('2022-09-01', 'Quốc khánh'), ('2022-09-02', 'Quốc khánh'),
  ('2023-01-02', 'Tết Dương lịch'), ('2023-01-20', 'Tết Nguyên đán'), ('2023-01-23', 'Tết Nguyên đán'),
  ('2023-01-24', 'Tết Nguyên đán'), ('2023-01-25', 'Tết Nguyên đán'), ('2023-01-26', 'Tết Nguyên đán'),
  ('2023-04-29', 'Giỗ Tổ Hùng Vương'), ('2023-05-01', 'Ngày Chiến thắng'), ('2023-05-02', 'Quốc tế Lao động'),
  ('2023-05-03', 'Giỗ Tổ Hùng Vương'), ('2023-09-01', 'Quốc khánh'), ('2023-09-04', 'Quốc khánh'),
  ('2024-01-01', 'Tết Dương lịch'), ('2024-02-08', 'Tết Nguyên đán'), ('2024-02-09', 'Tết Nguyên đán'),
  ('2024-02-12', 'Tết Nguyên đán'), ('2024-02-13', 'Tết Nguyên đán'), ('2024-02-14', 'Tết Nguyên đán'),
  ('2024-04-18', 'Giỗ Tổ Hùng Vương'), ('2024-04-29', 'Ngày Chiến thắng'), ('2024-04-30', 'Ngày Chiến thắng'),
  ('2024-05-01', 'Quốc tế Lao động'), ('2024-09-02', 'Quốc khánh'), ('2024-09-03', 'Quốc khánh'),
  ('2025-01-01', 'Tết Dương lịch'), ('2025-01-27', 'Tết Nguyên đán'), ('2025-01-28', 'Tết Nguyên đán'),
  ('2025-01-29', 'Tết Nguyên đán'), ('2025-01-30', 'Tết Nguyên đán'), ('2025-01-31', 'Tết Nguyên đán'),
  ('2025-04-07', 'Giỗ Tổ Hùng Vương'), ('2025-04-30', 'Ngày Chiến thắng'), ('2025-05-01', 'Quốc tế Lao động'),
  ('2025-09-01', 'Quốc khánh'), ('2025-09-02', 'Quốc khánh'),
  ('2026-01-01', 'Tết Dương lịch'), ('2026-02-16', 'Tết Nguyên đán'), ('2026-02-17', 'Tết Nguyên đán'),
  ('2026-02-18', 'Tết Nguyên đán'), ('2026-02-19', 'Tết Nguyên đán'), ('2026-02-20', 'Tết Nguyên đán'),
  ('2026-04-27', 'Giỗ Tổ Hùng Vương'), ('2026-04-30', 'Ngày Chiến thắng'), ('2026-05-01', 'Quốc tế Lao động'),
  ('2026-09-01', 'Quốc khánh'), ('2026-09-02', 'Quốc khánh');

-- +goose Down
DROP TABLE periodic_report, plan_activity, commune_facts, communication_activity, service_point,
  school_attendance, health_checkup, nutrition_measurement, immunisation, gift_visit, swimming_enrolment,
  swimming_class, support, injury, protection_case, public_holiday, child_risk_flag, risk_flag,
  child_circumstance, circumstance_group, insurance_card, residence_registration, birth_registration,
  child_residence, child, household_poverty, household;
