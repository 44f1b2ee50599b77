package bulletin

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"strings"

	"codeberg.org/go-pdf/fpdf"

	"treem/internal/domain"
	"treem/internal/indicators"
)

// DejaVu Sans covers Vietnamese; embedded so that the server needs no system
// fonts. Its licence (fonts/LICENSE) allows redistribution.
var (
	//go:embed fonts/DejaVuSans.ttf
	regularTTF []byte
	//go:embed fonts/DejaVuSans-Bold.ttf
	boldTTF []byte
)

// Title is the bulletin's name in the plan.
const Title = "Trẻ em như búp trên cành"

// Withheld is how a number disclosure control withheld is shown.
const Withheld = "ẩn"

// page is an issue as both renderings show it.
type page struct {
	Title, Heading, Status, Footer string
	Editorial                      []string
	Sections                       []section
}

type section struct {
	Title, Note string
	Rows        []row
}

type row struct {
	Label, Value, Target string
	// Bar is the value's share of the section's largest value or target, 0 to 1.
	Bar      float64
	Withheld bool
}

var romans = [...]string{"", "I", "II", "III", "IV"}

// view lays out b with its content c.
func view(b domain.Bulletin, c *domain.BulletinContent) page {
	p := page{Title: Title, Heading: fmt.Sprintf("Bản tin quý %s/%d — Tỉnh Đồng Nai", romans[b.Quarter], b.Year),
		Status: "Đã phát hành", Editorial: strings.Split(strings.ReplaceAll(b.Editorial, "\r\n", "\n"), "\n")}
	if b.Status != domain.BulletinPublished {
		p.Status = "Bản nháp (chưa phát hành)"
	}
	p.Footer = fmt.Sprintf("Số liệu từ lần nạp kho dữ liệu %s (dữ liệu đến tháng %s). Mọi số liệu đã qua kiểm soát công bố "+
		"như cấp cho chuyên viên phân tích: ô dưới ngưỡng được ẩn, số đếm được làm tròn.", c.RunID, c.MonthsTo)
	for _, s := range c.Sections {
		sec := section{Title: s.Title, Note: s.Note}
		top := 0.0
		for _, r := range s.Rows {
			if r.Value != nil {
				top = math.Max(top, *r.Value)
			}
			if r.Target != nil {
				top = math.Max(top, *r.Target)
			}
		}
		for _, r := range s.Rows {
			out := row{Label: r.Label, Value: Withheld, Withheld: r.Value == nil}
			if r.Value != nil {
				out.Value = Number(*r.Value, r.Decimals, r.Unit)
				if top > 0 {
					out.Bar = *r.Value / top
				}
			} else if r.Status == "NO_DATA" {
				out.Value = "chưa có số liệu"
			}
			if r.Target != nil {
				out.Target = Number(*r.Target, r.Decimals, r.Unit)
			}
			sec.Rows = append(sec.Rows, out)
		}
		p.Sections = append(p.Sections, sec)
	}
	return p
}

// Number writes v the Vietnamese way (1.234,5) with its unit.
func Number(v float64, decimals int, unit string) string {
	s := fmt.Sprintf("%.*f", decimals, v)
	whole, frac, _ := strings.Cut(s, ".")
	neg := strings.HasPrefix(whole, "-")
	whole = strings.TrimPrefix(whole, "-")
	var b strings.Builder
	for i, ch := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(ch)
	}
	out := b.String()
	if frac != "" {
		out += "," + frac
	}
	if neg {
		out = "-" + out
	}
	switch unit {
	case indicators.UnitPercent:
		out += " %"
	case indicators.UnitPerThousand:
		out += " ‰"
	case indicators.UnitPerHundredThousand:
		out += "/100.000"
	}
	return out
}

var htmlPage = template.Must(template.New("bulletin").Funcs(template.FuncMap{
	"width": func(f float64) string { return fmt.Sprintf("%.1f", 260*f) },
}).Parse(`<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8"><title>{{.Title}} — {{.Heading}}</title>
<style>
body{font-family:"DejaVu Sans",Arial,sans-serif;max-width:52em;margin:2em auto;color:#222}
h1{color:#2e7d32;margin-bottom:0}h2{border-bottom:2px solid #2e7d32;padding-bottom:.2em}
.status{color:#666}.note{color:#555;font-size:.9em}table{border-collapse:collapse;width:100%}
td{padding:.2em .4em;border-bottom:1px solid #eee;vertical-align:middle}td.v{text-align:right;white-space:nowrap}
.withheld{color:#999;font-style:italic}footer{margin-top:2em;font-size:.85em;color:#555}
</style></head><body>
<h1>{{.Title}}</h1><p class="status"><strong>{{.Heading}}</strong> · {{.Status}}</p>
<section class="editorial">{{range .Editorial}}<p>{{.}}</p>{{end}}</section>
{{range .Sections}}<section><h2>{{.Title}}</h2>{{if .Note}}<p class="note">{{.Note}}</p>{{end}}
<table>{{range .Rows}}<tr><td>{{.Label}}</td><td class="v{{if .Withheld}} withheld{{end}}">{{.Value}}</td>
<td>{{if .Target}}mục tiêu {{.Target}}{{end}}</td>
<td><svg width="270" height="14" role="img" aria-label="{{.Label}}: {{.Value}}"><rect x="0" y="2" width="{{width .Bar}}" height="10" fill="#66bb6a"/></svg></td></tr>
{{end}}</table></section>
{{end}}<footer>{{.Footer}}</footer></body></html>
`))

// HTML writes the issue as a web page, with SVG bars.
func HTML(w io.Writer, b domain.Bulletin, c *domain.BulletinContent) error {
	return htmlPage.Execute(w, view(b, c))
}

// PDF writes the issue as an A4 PDF, with drawn bars.
func PDF(w io.Writer, b domain.Bulletin, c *domain.BulletinContent) error {
	p := view(b, c)
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.AddUTF8FontFromBytes("DejaVu", "", regularTTF)
	pdf.AddUTF8FontFromBytes("DejaVu", "B", boldTTF)
	pdf.SetTitle(p.Title+" — "+p.Heading, true)
	// Dated by the issue, not the clock, with its catalogues in a fixed order:
	// an issue renders to the same bytes every time.
	stamp := b.CreatedAt
	if b.PublishedAt != nil {
		stamp = *b.PublishedAt
	}
	pdf.SetCatalogSort(true)
	pdf.SetCreationDate(stamp)
	pdf.SetModificationDate(stamp)
	pdf.SetMargins(15, 15, 15)
	pdf.SetAutoPageBreak(true, 15)
	pdf.SetFooterFunc(func() {
		pdf.SetY(-12)
		pdf.SetFont("DejaVu", "", 8)
		pdf.CellFormat(0, 5, fmt.Sprintf("%s — %s — trang %d", p.Title, p.Heading, pdf.PageNo()), "", 0, "C", false, 0, "")
	})
	pdf.AddPage()
	pdf.SetFont("DejaVu", "B", 22)
	pdf.SetTextColor(46, 125, 50)
	pdf.CellFormat(0, 11, p.Title, "", 1, "L", false, 0, "")
	pdf.SetTextColor(34, 34, 34)
	pdf.SetFont("DejaVu", "B", 12)
	pdf.CellFormat(0, 7, p.Heading+" · "+p.Status, "", 1, "L", false, 0, "")
	pdf.Ln(3)
	pdf.SetFont("DejaVu", "", 10)
	for _, para := range p.Editorial {
		pdf.MultiCell(0, 5, para, "", "L", false)
	}
	const rowH, labelW, valueW, targetW, barW = 6.0, 72.0, 26.0, 40.0, 42.0
	_, pageH := pdf.GetPageSize()
	for _, s := range p.Sections {
		// A title never ends a page alone.
		if pdf.GetY()+20 > pageH-15 {
			pdf.AddPage()
		}
		pdf.Ln(4)
		pdf.SetFont("DejaVu", "B", 12)
		pdf.SetTextColor(46, 125, 50)
		pdf.MultiCell(0, 6, s.Title, "B", "L", false)
		pdf.SetTextColor(85, 85, 85)
		pdf.SetFont("DejaVu", "", 8)
		if s.Note != "" {
			pdf.MultiCell(0, 4.5, s.Note, "", "L", false)
		}
		pdf.SetTextColor(34, 34, 34)
		for _, r := range s.Rows {
			pdf.SetFont("DejaVu", "", 8)
			lines := max(len(pdf.SplitText(r.Label, labelW)), 1)
			h := math.Max(rowH, float64(lines)*4)
			if pdf.GetY()+h > pageH-15 {
				pdf.AddPage()
			}
			x, y := pdf.GetXY()
			pdf.MultiCell(labelW, h/float64(lines), r.Label, "", "L", false)
			pdf.SetXY(x+labelW, y)
			if r.Withheld {
				pdf.SetTextColor(150, 150, 150)
			}
			pdf.CellFormat(valueW, h, r.Value, "", 0, "R", false, 0, "")
			pdf.SetTextColor(34, 34, 34)
			target := ""
			if r.Target != "" {
				target = "mục tiêu " + r.Target
			}
			pdf.CellFormat(targetW, h, target, "", 0, "R", false, 0, "")
			pdf.SetFillColor(102, 187, 106)
			if r.Bar > 0 {
				pdf.Rect(x+labelW+valueW+targetW+2, y+h/2-1.5, (barW-2)*r.Bar, 3, "F")
			}
			pdf.SetXY(x, y+h)
		}
	}
	pdf.Ln(6)
	pdf.SetFont("DejaVu", "", 8)
	pdf.SetTextColor(85, 85, 85)
	pdf.MultiCell(0, 4, p.Footer, "", "L", false)
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return fmt.Errorf("bulletin pdf: %w", err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}
