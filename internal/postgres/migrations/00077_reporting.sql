-- Periodic reports of the member departments and of the units (plan 2021,
-- section IV and item 11): the Board's member departments as data, the due-date
-- rules as data, and the content of a submitted report.
--
-- A department's report belongs to the province (unit_id is the province's
-- unit): the existing area policy of periodic_report then shows it to province
-- officers only, who receive the departments' reports at the Board's standing
-- office. A district's or a commune's report keeps its own unit.
--
-- department and report_due_rule hold no personal data and no rows of an
-- area: they are reference data like org_unit, read by every API transaction
-- and written only by migrations.

-- +goose Up
CREATE TABLE department (
  id          int GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  code        text NOT NULL UNIQUE CHECK (code ~ '^[a-z][a-z0-9-]{1,39}$'),
  name_vi     text NOT NULL CHECK (name_vi IS NFC NORMALIZED AND length(name_vi) BETWEEN 1 AND 200),
  name_en     text NOT NULL CHECK (length(name_en) BETWEEN 1 AND 200),
  valid_from  date NOT NULL,
  valid_to    date CHECK (valid_to > valid_from),
  provisional boolean NOT NULL,
  source      text NOT NULL CHECK (length(source) BETWEEN 1 AND 1000)
);

-- The Board's member list (Quyết định 626/QĐ-UBND, 23/02/2021) is not among
-- the sources read for treem: every row is provisional, and says so.
INSERT INTO department (code, name_vi, name_en, valid_from, valid_to, provisional, source) VALUES
  ('so-ldtbxh', 'Sở Lao động - Thương binh và Xã hội', 'Department of Labour, Invalids and Social Affairs',
   '2021-02-23', '2025-03-01', true,
   'Cơ quan thường trực của Ban (Kế hoạch 40/KH-BDH, mục IV). Ngày thôi hoạt động (sáp nhập năm 2025, lĩnh vực trẻ em chuyển sang Sở Y tế) theo tin báo chí, chưa đối chiếu quyết định.'),
  ('so-y-te', 'Sở Y tế', 'Department of Health', '2021-02-23', NULL, true,
   'Thành viên thường có của Ban cấp tỉnh; danh sách theo Quyết định 626/QĐ-UBND chưa được đối chiếu. Từ năm 2025 quản lý nhà nước về trẻ em (plan-2021.md, "Since 2021").'),
  ('so-gddt', 'Sở Giáo dục và Đào tạo', 'Department of Education and Training', '2021-02-23', NULL, true,
   'Thành viên thường có của Ban cấp tỉnh; danh sách theo Quyết định 626/QĐ-UBND chưa được đối chiếu.'),
  ('cong-an-tinh', 'Công an tỉnh', 'Provincial Police', '2021-02-23', NULL, true,
   'Thành viên thường có của Ban cấp tỉnh; danh sách theo Quyết định 626/QĐ-UBND chưa được đối chiếu.'),
  ('so-tu-phap', 'Sở Tư pháp', 'Department of Justice', '2021-02-23', NULL, true,
   'Thành viên thường có của Ban cấp tỉnh (đăng ký khai sinh); danh sách theo Quyết định 626/QĐ-UBND chưa được đối chiếu.'),
  ('so-vhttdl', 'Sở Văn hóa, Thể thao và Du lịch', 'Department of Culture, Sports and Tourism', '2021-02-23', NULL, true,
   'Thành viên thường có của Ban cấp tỉnh (dạy bơi, vui chơi); danh sách theo Quyết định 626/QĐ-UBND chưa được đối chiếu.'),
  ('so-tttt', 'Sở Thông tin và Truyền thông', 'Department of Information and Communications', '2021-02-23', '2025-03-01', true,
   'Thành viên thường có của Ban cấp tỉnh (truyền thông, mục 10 của Kế hoạch); danh sách và ngày sáp nhập năm 2025 chưa được đối chiếu.'),
  ('so-tai-chinh', 'Sở Tài chính', 'Department of Finance', '2021-02-23', NULL, true,
   'Thành viên thường có của Ban cấp tỉnh (kinh phí, mục III của Kế hoạch); danh sách theo Quyết định 626/QĐ-UBND chưa được đối chiếu.'),
  ('tinh-doan', 'Tỉnh Đoàn', 'Provincial Youth Union', '2021-02-23', NULL, true,
   'Đoàn thể thường là thành viên Ban cấp tỉnh (diễn đàn trẻ em); danh sách theo Quyết định 626/QĐ-UBND chưa được đối chiếu.'),
  ('hoi-lhpn', 'Hội Liên hiệp Phụ nữ tỉnh', 'Provincial Women''s Union', '2021-02-23', NULL, true,
   'Đoàn thể thường là thành viên Ban cấp tỉnh; danh sách theo Quyết định 626/QĐ-UBND chưa được đối chiếu.');

-- The plan's due dates: the 6-month report before 15 May, the annual report
-- before 20 November (Kế hoạch 40/KH-BDH, section IV). A report's due_on is
-- copied from here when it is first saved, so a later change of rule does not
-- move a due date already given.
CREATE TABLE report_due_rule (
  kind      text PRIMARY KEY CHECK (kind IN ('half', 'year')),
  due_month int NOT NULL CHECK (due_month BETWEEN 1 AND 12),
  due_day   int NOT NULL CHECK (due_day BETWEEN 1 AND 28),
  source    text NOT NULL
);
INSERT INTO report_due_rule (kind, due_month, due_day, source) VALUES
  ('half', 5, 15, 'Kế hoạch 40/KH-BDH (26/3/2021), mục IV: báo cáo 6 tháng trước ngày 15/5'),
  ('year', 11, 20, 'Kế hoạch 40/KH-BDH (26/3/2021), mục IV: báo cáo năm trước ngày 20/11');

REVOKE ALL ON department, report_due_rule FROM treem_app;
GRANT SELECT ON department, report_due_rule TO treem_app;

-- The report's content: its figures (an array of {key, value}, in the order
-- given) and its narrative. Bounds as internal/domain's ReportContent.
ALTER TABLE periodic_report
  ADD COLUMN department_id int REFERENCES department (id),
  ADD COLUMN figures jsonb CHECK (jsonb_typeof(figures) = 'array' AND jsonb_array_length(figures) <= 200),
  ADD COLUMN narrative text CHECK (narrative IS NFC NORMALIZED AND length(narrative) BETWEEN 1 AND 20000),
  DROP CONSTRAINT periodic_report_unit_id_period_key;
-- One report per unit and period, and one per department and period (all of
-- the departments' reports share the province's unit).
CREATE UNIQUE INDEX periodic_report_unit_period ON periodic_report (unit_id, period) WHERE department_id IS NULL;
CREATE UNIQUE INDEX periodic_report_department_period ON periodic_report (department_id, period)
  WHERE department_id IS NOT NULL;

-- The API writes a report's content and its submission, nothing else.
REVOKE UPDATE ON periodic_report FROM treem_app;
GRANT UPDATE (figures, narrative, submitted_at) ON periodic_report TO treem_app;

-- +goose Down
REVOKE UPDATE (figures, narrative, submitted_at) ON periodic_report FROM treem_app;
GRANT UPDATE ON periodic_report TO treem_app;
DELETE FROM periodic_report WHERE department_id IS NOT NULL;
DROP INDEX periodic_report_department_period, periodic_report_unit_period;
ALTER TABLE periodic_report
  DROP COLUMN narrative,
  DROP COLUMN figures,
  DROP COLUMN department_id,
  ADD CONSTRAINT periodic_report_unit_id_period_key UNIQUE (unit_id, period);
DROP TABLE report_due_rule, department;
