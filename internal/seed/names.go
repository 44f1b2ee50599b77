package seed

import (
	"math/rand/v2"
	"sort"
)

// weighted is a list of choices with cumulative weights.
type weighted struct {
	items []string
	cum   []float64
}

func newWeighted(pairs ...any) weighted {
	var w weighted
	total := 0.0
	for i := 0; i < len(pairs); i += 2 {
		w.items = append(w.items, pairs[i].(string))
		total += float64(pairs[i+1].(int))
		w.cum = append(w.cum, total)
	}
	return w
}

func (w weighted) pick(r *rand.Rand) string {
	x := r.Float64() * w.cum[len(w.cum)-1]
	return w.items[sort.SearchFloat64s(w.cum, x)]
}

// Family names weighted roughly as in southern Vietnam (per mille).
var familyNames = newWeighted(
	"Nguyễn", 380, "Trần", 110, "Lê", 95, "Phạm", 70, "Huỳnh", 40, "Hoàng", 25, "Phan", 45,
	"Võ", 35, "Vũ", 20, "Đặng", 20, "Bùi", 20, "Đỗ", 14, "Hồ", 13, "Ngô", 13, "Dương", 10,
	"Lý", 6, "Đinh", 8, "Trương", 10, "Lâm", 6, "Mai", 5, "Tô", 3, "Châu", 4, "Tạ", 3,
)

// Hoa families keep Chinese-Vietnamese surnames more often.
var hoaFamilyNames = newWeighted("Lâm", 20, "Lý", 20, "Trương", 15, "Quách", 10, "Hứa", 10, "Châu", 10, "Tăng", 8, "Diệp", 7)

var boyMiddle = newWeighted("Văn", 30, "Minh", 20, "Đức", 10, "Quốc", 10, "Hoàng", 8, "Gia", 10, "Thanh", 6, "Anh", 6, "Hữu", 6, "Tuấn", 4)
var girlMiddle = newWeighted("Thị", 30, "Ngọc", 20, "Thu", 8, "Bảo", 8, "Khánh", 8, "Phương", 6, "Thanh", 6, "Minh", 6, "Hoài", 4, "Mai", 4)

var boyGiven = newWeighted("Khang", 8, "Phúc", 9, "Huy", 8, "Khôi", 7, "Bảo", 7, "Nam", 7, "Long", 6, "Minh", 8, "Quân", 7,
	"Đạt", 6, "Hùng", 4, "Tuấn", 5, "Thịnh", 5, "Tín", 4, "Lộc", 4, "Hiếu", 5, "Trí", 5, "Duy", 5, "An", 6, "Phong", 4, "Vinh", 3, "Kiệt", 5)
var girlGiven = newWeighted("Anh", 9, "Vy", 8, "Ngân", 7, "Hân", 8, "Nhi", 9, "Linh", 8, "Trang", 6, "Thảo", 6, "My", 7, "Như", 6,
	"Hương", 4, "Yến", 4, "Trâm", 5, "Quỳnh", 5, "Uyên", 5, "Châu", 4, "Diệp", 3, "Ngọc", 4, "Tâm", 4, "Hà", 4, "Thư", 6, "Loan", 2)

// Ethnic composition (per mille), PROVISIONAL: Đồng Nai is about 92 % Kinh with
// Hoa, Nùng, Tày, Chơro, Khmer and Stiêng minorities; former Bình Phước has a
// larger Stiêng, Khmer and Nùng population.
var ethnicityDongNai = newWeighted("Kinh", 920, "Hoa", 35, "Nùng", 11, "Tày", 9, "Chơro", 6, "Khmer", 4, "Stiêng", 3, "Mường", 4, "Thái", 3, "Dao", 5)
var ethnicityBinhPhuoc = newWeighted("Kinh", 800, "Stiêng", 85, "Khmer", 20, "Nùng", 30, "Tày", 20, "Hoa", 10, "Mnông", 10, "Dao", 8, "Mường", 7, "Thái", 10)

// fullName composes family + middle + given; all parts are NFC literals.
func fullName(r *rand.Rand, family string, male bool) string {
	if male {
		return family + " " + boyMiddle.pick(r) + " " + boyGiven.pick(r)
	}
	return family + " " + girlMiddle.pick(r) + " " + girlGiven.pick(r)
}
