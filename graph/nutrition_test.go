package graph_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"testing"

	"treem/internal/clickhouse"
	"treem/internal/clickhouse/chtest"
	"treem/internal/domain"
	"treem/internal/testdb"
)

// TestNutritionUnder2 loads five children of Bửu Hòa (26053), worked out by
// hand, through the ETL and reads the 0–23-month measures back from the
// warehouse and the indicators through the API. Ages are completed months at
// the measurement:
//
//	A girl, born 15/5/2022, measured 14/5/2024 (23 months 29 days): underweight
//	B boy,  born 15/5/2022, measured 15/5/2024 (24 months): underweight, stunted
//	C girl, born 10/2/2022, measured 20/12/2023 (22 months): stunted;
//	        again 20/3/2024 (25 months): neither
//	D boy,  born 31/8/2023, measured 30/6/2024 (9 months): underweight, stunted
//	E girl, born 1/3/2024, measured 1/9/2024 (6 months): neither
//
// The year 2024 reads the stock at 31/12/2024, the latest measurement of the
// 12 months before: under 5, A B C D E measured, A B D underweight, B D
// stunted; at 0–23 months, A D E measured, A D underweight, D stunted (B was
// 24 months, C's latest was at 25). Then B's birth date is corrected to
// 16/5/2022, which makes his measurement 23 months 29 days: an incremental
// run adds him to all three.
func TestNutritionUnder2(t *testing.T) {
	ctx := context.Background()
	pool := testdb.Postgres(t)
	var buuHoa int32
	if err := pool.QueryRow(ctx, `SELECT id FROM org_unit WHERE code = '26053'
	  AND daterange(valid_from, valid_to) @> '2024-06-30'::date`).Scan(&buuHoa); err != nil {
		t.Fatal(err)
	}
	execSQL(t, pool, `INSERT INTO child (full_name, sex, birth_date, commune_id) VALUES
		('A', 'F', '2022-05-15', $1), ('B', 'M', '2022-05-15', $1), ('C', 'F', '2022-02-10', $1),
		('D', 'M', '2023-08-31', $1), ('E', 'F', '2024-03-01', $1)`, buuHoa)
	execSQL(t, pool, `INSERT INTO nutrition_measurement (child_id, unit_id, measured_on, weight_kg, height_cm, underweight, stunted)
		SELECT c.id, $1, m.d::date, m.w, m.h, m.u, m.s FROM child c JOIN (VALUES
			('A', '2024-05-14', 9.6, 86.0, true, false), ('B', '2024-05-15', 9.8, 80.1, true, true),
			('C', '2023-12-20', 11.0, 79.0, false, true), ('C', '2024-03-20', 12.6, 88.4, false, false),
			('D', '2024-06-30', 6.9, 66.2, true, true), ('E', '2024-09-01', 7.9, 67.5, false, false)) m(n, d, w, h, u, s)
		ON c.full_name = m.n`, buuHoa)
	conn, _ := chtest.Database(t)
	wh := clickhouse.NewLoader(conn)
	etlRun(t, pool, wh, true)
	s := serveWarehouse(t, pool, conn)
	officer, analyst := token(t, domain.RoleProvinceOfficer, "75"), token(t, domain.RoleAnalyst, "75")

	// The warehouse: measure/sex/band at a month's end.
	u5 := map[string]uint64{
		"measured_u5/F/1-4": 2, "measured_u5/M/1-4": 2, "measured_u5/F/0": 1,
		"underweight_u5/F/1-4": 1, "underweight_u5/M/1-4": 2, "stunted_u5/M/1-4": 2,
	}
	december := maps.Clone(u5)
	maps.Copy(december, map[string]uint64{
		"measured_u2/F/1-4": 1, "measured_u2/M/1-4": 1, "measured_u2/F/0": 1,
		"underweight_u2/F/1-4": 1, "underweight_u2/M/1-4": 1, "stunted_u2/M/1-4": 1,
	})
	sameCells(t, "31/12/2024", nutritionCells(t, conn, "2024-12-01"), december)
	// On 29/2/2024 only C is measured, at 22 months, though 24 months old that day.
	sameCells(t, "29/2/2024", nutritionCells(t, conn, "2024-02-01"), map[string]uint64{
		"measured_u5/F/1-4": 1, "stunted_u5/F/1-4": 1, "measured_u2/F/1-4": 1, "stunted_u2/F/1-4": 1})
	// On 31/3/2024 her latest measurement is the one at 25 months.
	sameCells(t, "31/3/2024", nutritionCells(t, conn, "2024-03-01"), map[string]uint64{"measured_u5/F/1-4": 1})

	// The API: a province officer sees the exact values, flagged unstable
	// (fewer than 30 in the denominator); u2 has no target.
	u5Values := map[string]string{
		"underweight_u5": `"value":60,"exactValue":60.000000000,"numerator":3,"denominator":5,"status":"UNSTABLE","target":9`,
		"stunting_u5":    `"value":40,"exactValue":40.000000000,"numerator":2,"denominator":5,"status":"UNSTABLE","target":17`,
	}
	want := maps.Clone(u5Values)
	maps.Copy(want, map[string]string{
		"underweight_u2": `"value":66.7,"exactValue":66.666666667,"numerator":2,"denominator":3,"status":"UNSTABLE","target":null`,
		"stunting_u2":    `"value":33.3,"exactValue":33.333333333,"numerator":1,"denominator":3,"status":"UNSTABLE","target":null`,
	})
	sameValues(t, "officer", nutritionValues(t, s, officer), want)
	// An analyst: 3 children measured at 0–23 months is fewer than 5, so
	// both shares are withheld (and every count under 5 of the under-5s).
	released := nutritionValues(t, s, analyst)
	for _, id := range []string{"underweight_u2", "stunting_u2"} {
		if v := released[id]; v != `"value":null,"exactValue":null,"numerator":null,"denominator":null,"status":"SUPPRESSED","target":null` {
			t.Errorf("analyst %s: %s, want it withheld", id, v)
		}
	}

	execSQL(t, pool, `UPDATE child SET birth_date = '2022-05-16' WHERE full_name = 'B'`)
	if res := etlRun(t, pool, wh, false); res.Mode != "incremental" {
		t.Fatalf("after the correction: %s run (%s), want incremental", res.Mode, res.Reason)
	}
	maps.Copy(december, map[string]uint64{"measured_u2/M/1-4": 2, "underweight_u2/M/1-4": 2, "stunted_u2/M/1-4": 2})
	sameCells(t, "31/12/2024 after the correction", nutritionCells(t, conn, "2024-12-01"), december)
	maps.Copy(want, map[string]string{
		"underweight_u2": `"value":75,"exactValue":75.000000000,"numerator":3,"denominator":4,"status":"UNSTABLE","target":null`,
		"stunting_u2":    `"value":50,"exactValue":50.000000000,"numerator":2,"denominator":4,"status":"UNSTABLE","target":null`,
	})
	sameValues(t, "officer after the correction", nutritionValues(t, s, officer), want)

	// The incremental run left what a full run writes.
	full, _ := chtest.Database(t)
	whFull := clickhouse.NewLoader(full)
	etlRun(t, pool, whFull, true)
	gotN, gotSum, err := wh.Checksum(ctx, "fact_child_month")
	if err != nil {
		t.Fatal(err)
	}
	wantN, wantSum, err := whFull.Checksum(ctx, "fact_child_month")
	if err != nil {
		t.Fatal(err)
	}
	if gotN != wantN || gotSum != wantSum {
		t.Errorf("fact_child_month after the incremental run: %d rows, hash %d; a full run: %d rows, hash %d", gotN, gotSum, wantN, wantSum)
	}
}

// nutritionCells reads the nutrition measures' cells of Bửu Hòa at the end
// of month ("2006-01-02", its first day), as measure/sex/band.
func nutritionCells(t *testing.T, conn clickhouse.Conn, month string) map[string]uint64 {
	t.Helper()
	rows, err := conn.Query(context.Background(), `SELECT concat(measure, '/', sex, '/', age_band) AS cell, sum(value) AS n
		FROM fact_child_month WHERE month = toDate(?) AND unit_code = '26053' AND group_code = ''
		AND measure IN ('measured_u5', 'underweight_u5', 'stunted_u5', 'measured_u2', 'underweight_u2', 'stunted_u2')
		GROUP BY cell HAVING n != 0`, month)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := map[string]uint64{}
	for rows.Next() {
		var row struct {
			Cell string `ch:"cell"`
			N    int64  `ch:"n"`
		}
		if err := rows.ScanStruct(&row); err != nil {
			t.Fatal(err)
		}
		got[row.Cell] = uint64(row.N)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return got
}

// nutritionValues asks the API for the four nutrition indicators of the
// province in 2024 and returns each one's released fields as JSON members,
// the exact value to 9 decimals.
func nutritionValues(t *testing.T, s *testServer, tok string) map[string]string {
	t.Helper()
	r := s.query(t, tok, `{ indicatorValues(ids: ["underweight_u5", "stunting_u5", "underweight_u2", "stunting_u2"],
		orgUnits: ["75"], periods: ["2024"]) { values { indicator { id } value exactValue numerator denominator status target } } }`, nil)
	if len(r.Errors) > 0 {
		t.Fatal(r.raw)
	}
	var d struct {
		Values []struct {
			Indicator                                     struct{ ID string }
			ExactValue                                    *float64
			Value, Numerator, Denominator, Status, Target json.RawMessage
		}
	}
	if err := json.Unmarshal(r.Data["indicatorValues"], &d); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, v := range d.Values {
		exact := "null"
		if v.ExactValue != nil {
			exact = fmt.Sprintf("%.9f", *v.ExactValue)
		}
		out[v.Indicator.ID] = fmt.Sprintf(`"value":%s,"exactValue":%s,"numerator":%s,"denominator":%s,"status":%s,"target":%s`,
			v.Value, exact, v.Numerator, v.Denominator, v.Status, v.Target)
	}
	return out
}

func sameCells(t *testing.T, what string, got, want map[string]uint64) {
	t.Helper()
	if !maps.Equal(got, want) {
		t.Errorf("%s: cells %v, want %v", what, got, want)
	}
}

func sameValues(t *testing.T, who string, got, want map[string]string) {
	t.Helper()
	for id, v := range want {
		if got[id] != v {
			t.Errorf("%s, %s: %s, want %s", who, id, got[id], v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%s: %d values, want %d", who, len(got), len(want))
	}
}
