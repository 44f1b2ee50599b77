package analytics_test

import (
	"fmt"
	"maps"
	"testing"

	"treem/internal/analytics"
	"treem/internal/analytics/analyticstest"
	"treem/internal/clickhouse"
	"treem/internal/domain"
	"treem/internal/indicators"
	"treem/internal/postgres"
	"treem/internal/testdb"
)

// TestDistrictRecommendations: a district's own recommendations count for
// its line and the province, never as a commune, and never in a count of
// communes.
func TestDistrictRecommendations(t *testing.T) {
	conn := analyticstest.WarehouseWith(t, analyticstest.DistrictRecommendations)
	svc := analytics.New(clickhouse.NewReader(conn), postgres.NewAnalyticsStore(testdb.Postgres(t)), indicators.Default())
	analyst := as(domain.RoleAnalyst)
	c, err := svc.CompareDistricts(analyst, "inspection_recommendations_on_time", "2024")
	if err != nil {
		t.Fatal(err)
	}
	if v := c.Province; deref(v.Value) != 50 || deref(v.Numerator) != 3 || deref(v.Denominator) != 6 {
		t.Fatalf("province %v = %v/%v, want 3/6 = 50", deref(v.Value), deref(v.Numerator), deref(v.Denominator))
	}
	got := map[string]string{}
	for _, d := range c.Districts {
		got[d.Code] = fmt.Sprintf("%v/%v %v", deref(d.Value.Numerator), deref(d.Value.Denominator), d.Value.Status)
	}
	want := map[string]string{"731": "3/4 OK", "732": "0/0 UNSTABLE", "734": "0/2 OK"}
	if !maps.Equal(got, want) {
		t.Fatalf("districts %v, want %v", got, want)
	}
	u, err := svc.CompareUnits(analyst, "inspection_recommendations_on_time", "2024", "COMMUNE", "731")
	if err != nil {
		t.Fatal(err)
	}
	communes := map[string]string{}
	for _, r := range u.Units {
		communes[r.Code] = fmt.Sprintf("%v/%v", deref(r.Value.Numerator), deref(r.Value.Denominator))
	}
	if len(communes) != 2 || communes["90001"] != "1/1" || communes["90002"] != "0/0" {
		t.Fatalf("communes of 731 %v, want 90001 1/1 and 90002 0/0", communes)
	}
	tr, err := svc.Trend(analyst, "inspection_recommendations_on_time", "731", "2024", "2024", "YEAR")
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Points) != 1 || deref(tr.Points[0].Value.Numerator) != 3 || deref(tr.Points[0].Value.Denominator) != 4 {
		t.Fatalf("trend of 731: %+v", tr.Points)
	}
	// 2025 holds a commune of no 2021 district (Xã Hai Mươi), left out of
	// the former province's line: 90001's 2024 recommendations are not
	// 2025's, so nothing is due.
	if c, err := svc.CompareDistricts(analyst, "inspection_recommendations_on_time", "2025"); err != nil ||
		c.ProvinceArea != "FORMER_DONG_NAI" || deref(c.Province.Denominator) != 0 {
		t.Fatalf("2025: %+v, %v", c, err)
	}
	sp, err := svc.CompareDistricts(analyst, "service_point_coverage", "2024")
	if err != nil {
		t.Fatal(err)
	}
	if v := sp.Province; deref(v.Numerator) != 2 || deref(v.Denominator) != 2 {
		t.Fatalf("service point coverage %v/%v, want 2/2 communes", deref(v.Numerator), deref(v.Denominator))
	}
}
