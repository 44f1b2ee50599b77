// Package seed generates a synthetic, deterministic Đồng Nai province — households,
// children and everything recorded about them from 2016-01-01 to --today, on the
// unit versions of the 2024–2026 reorganisations — and loads it through COPY.
//
// Loading. The whole seed is one transaction (with --replace, the TRUNCATE of the
// seeded tables is inside it too): any failure or interrupt rolls back to the
// database as it was, and readers never see a half-loaded province. A second
// connection could not help, since every event row's foreign key needs the child
// rows committed first. Each table is one COPY stream fed by a generator
// goroutine, in bounded batches, with explicit ids; identities are moved past
// them at the end.
//
// Determinism. Every random decision draws from a PCG stream keyed by (seed,
// kind, household or child index, table), so each table is produced on its own,
// in one pass, with the same rows for the same seed and children count; only
// created_at/updated_at differ between runs.
//
// Where children live. A household starts in a former Đồng Nai commune in force
// on 2016-01-01 (weights from population, provisional where the sources gave no
// figure), or — for about a fifth of households — in one of the 40 communes
// formed from Bình Phước, appearing only from 2025-07-01. On each unit's end the
// household follows the crosswalk edges effective that day (a split weighs the
// partial-main part 0.85 and each partial-minor part 0.05 — Tân Phong lost about
// a tenth of its people in 2024 — and two 'partial' parts equally), else the next version of the same code; about 1.2 % of households a
// year move to another commune of the same former province. Every event carries
// the unit in force at its date. Records that predate a child's first residence
// on the platform — birth registrations and full immunisations taken over with a
// child born before 2016 or in Bình Phước before the merger — carry the first
// residence's unit, as the platform holds no unit for them.
//
// Deliberately bad rows, for the ETL's rejection counts (3 per 100,000
// children each, at child indexes 777 and 1777 modulo 33,333, so that every
// run of at least 1,778 children has them):
//   - an injury dated 10–209 days before the child's birth;
//   - a health check-up dated 1–30 days after --today.
//
// The generator never produces either otherwise. Soft-deleted duplicates (2 %
// of injuries, 0.2 % of check-ups, deleted_at 1–10 days after the event) give
// the ETL deletes to honour.
package seed
