package seed

import "hash/fnv"

// districtPopulation is the 2019 population by former district (code), used
// only to size communes. Biên Hòa, Cẩm Mỹ, Định Quán and Long Khánh are 2019
// census counts (dong-nai-units.md §4.2); the others are PROVISIONAL estimates
// chosen so that the province totals the census 3,097,107 (Trảng Bom and
// Nhơn Trạch figures in the sources have another basis; the remaining five
// were not found).
var districtPopulation = map[string]float64{
	"731": 797840, // Biên Hòa (census)
	"732": 130704, // Long Khánh (census)
	"734": 175000, // Tân Phú (provisional)
	"735": 165000, // Vĩnh Cửu (provisional)
	"736": 191340, // Định Quán (census)
	"737": 340000, // Trảng Bom (provisional; 363,122 is a 2020 average)
	"738": 170000, // Thống Nhất (provisional)
	"739": 137870, // Cẩm Mỹ (census)
	"740": 285000, // Long Thành (provisional)
	"741": 235000, // Xuân Lộc (provisional)
	"742": 269353, // Nhơn Trạch (provisional, remainder to the census total)
}

// communePopulation holds the commune census counts the sources give.
var communePopulation = map[string]float64{
	"26020": 75894, // Long Bình
	"25993": 55840, // Trảng Dài
	"26341": 6391,  // Long Giao
}

// typeFactor makes urban wards and townships larger than rural communes.
var typeFactor = map[string]float64{"Phường": 1.8, "Thị trấn": 1.4, "Xã": 1.0}

// originWeight is a starting commune's share of households: its census count
// when known, else its district's population spread over the district's
// communes by type, with a fixed per-code spread of ±35 % so that communes differ.
func originWeight(u *Unit, district string) float64 {
	if p, ok := communePopulation[u.Code]; ok {
		return p
	}
	pop, ok := districtPopulation[district]
	if !ok {
		pop = 150000
	}
	f := typeFactor[u.Type]
	if f == 0 {
		f = 1
	}
	// Average commune: the district over its commune count (≈ 15 per district).
	return pop / 15 * f * (0.65 + 0.7*codeNoise(u.Code))
}

// bpWeight sizes a commune formed from Bình Phước: the former province had
// about a third of Đồng Nai's population over 40 new units.
func bpWeight(u *Unit) float64 {
	f := typeFactor[u.Type]
	if f == 0 {
		f = 1
	}
	return f * (0.65 + 0.7*codeNoise(u.Code))
}

// codeNoise is a fixed number in [0, 1) per code, independent of the seed, so
// that a commune keeps its character (size, quality) across runs.
func codeNoise(code string) float64 {
	h := fnv.New64a()
	h.Write([]byte(code))
	return float64(mix64(h.Sum64())>>11) / (1 << 53)
}

// mix64 is the splitmix64 finaliser: it spreads keys over 64 bits so that
// neighbouring indexes seed unrelated generator streams.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// bpShare is the share of households placed in the former Bình Phước: about
// 1.0 of the merged province's 4.5 million people, appearing only from 2025.
const bpShare = 0.20
