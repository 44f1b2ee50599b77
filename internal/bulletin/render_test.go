package bulletin

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"treem/internal/domain"
)

func ptr(v float64) *float64 { return &v }

// sample is a hand-made issue: one released rate with its target, one
// withheld count and one count past a thousand.
func sample() (domain.Bulletin, *domain.BulletinContent) {
	// A published issue always has its creation time; without one fpdf would
	// date the PDF by the clock, and two renders a second apart would differ.
	created := time.Date(2024, 7, 10, 9, 0, 0, 0, time.UTC)
	b := domain.Bulletin{ID: 1, Year: 2024, Quarter: 2, Status: domain.BulletinPublished, CreatedAt: created, PublishedAt: &created,
		Editorial: "Quý II, Tháng hành động vì trẻ em ở Đồng Nai.\nCảm ơn các xã, phường."}
	c := &domain.BulletinContent{Period: "2024-Q2", RunID: "run-7", MonthsTo: "2024-06", Sections: []domain.BulletinSection{
		{Key: "indicators", Title: "Các chỉ tiêu chính so với mục tiêu", Rows: []domain.BulletinRow{
			{Label: "Tỷ lệ trẻ em dưới 5 tuổi được đăng ký khai sinh", Value: ptr(97.3), Decimals: 1, Unit: "PERCENT", Status: "OK",
				Target: ptr(98.5)},
		}},
		{Key: "gift_visits", Title: "Thăm hỏi, tặng quà trẻ em", Rows: []domain.BulletinRow{
			{Label: "Tết Nguyên đán", Decimals: 0, Unit: "COUNT", Status: "SUPPRESSED"},
			{Label: "Ngày Quốc tế Thiếu nhi 1/6", Value: ptr(12345), Decimals: 0, Unit: "COUNT", Status: "OK"},
		}},
	}}
	return b, c
}

// pdfText is the text pdftotext reads from a PDF; the test fails, never
// skips, without poppler-utils (.ci installs it).
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "b.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-layout", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext (apt-get install poppler-utils): %v", err)
	}
	return string(out)
}

func TestRenderVietnamese(t *testing.T) {
	b, c := sample()
	var pdf, page bytes.Buffer
	if err := PDF(&pdf, b, c); err != nil {
		t.Fatal(err)
	}
	if err := HTML(&page, b, c); err != nil {
		t.Fatal(err)
	}
	var again bytes.Buffer
	if err := PDF(&again, b, c); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(pdf.Bytes(), again.Bytes()) {
		t.Errorf("an issue renders to different bytes each time")
	}
	text := pdfText(t, pdf.Bytes())
	for _, want := range []string{"Trẻ em như búp trên cành", "Bản tin quý II/2024 — Tỉnh Đồng Nai", "Đã phát hành",
		"Tháng hành động vì trẻ em ở Đồng Nai.", "97,3 %", "mục tiêu 98,5 %", "12.345", "Tết Nguyên đán", Withheld, "run-7"} {
		if !strings.Contains(text, want) {
			t.Errorf("PDF text lacks %q:\n%s", want, text)
		}
		if !strings.Contains(page.String(), want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	// The bars: one drawn per released value (a withheld one has none).
	if n := strings.Count(page.String(), `fill="#66bb6a"`); n != 3 {
		t.Errorf("%d SVG bars, want 3", n)
	}
	if !strings.Contains(page.String(), `width="260.0"`) {
		t.Errorf("the largest value's bar is not full length")
	}
}

func TestNumber(t *testing.T) {
	for _, c := range []struct {
		v    float64
		dec  int
		unit string
		want string
	}{{1234567, 0, "COUNT", "1.234.567"}, {98.45, 1, "PERCENT", "98,5 %"}, {999, 0, "COUNT", "999"},
		{550.0, 1, "PER_HUNDRED_THOUSAND", "550,0/100.000"}, {-1234.5, 1, "PER_THOUSAND", "-1.234,5 ‰"}} {
		if got := Number(c.v, c.dec, c.unit); got != c.want {
			t.Errorf("Number(%v, %d, %s) = %q, want %q", c.v, c.dec, c.unit, got, c.want)
		}
	}
}
