package graph

import (
	"fmt"

	"treem/internal/domain"
)

// Limits of the operational lists' filters. Each sub-filter and list value
// adds conditions to one SQL statement, so the tree is bounded before any of
// it is read: deep enough for "(A or B) and (C or D)" several times over, small
// enough that no request costs more than a few of the lists' own filters.
const (
	maxFilterDepth  = 3  // levels of and/or below the top filter
	maxFilters      = 20 // filters in a tree, the top one included
	maxSubFilters   = 10 // filters in one and- or or-list
	maxFilterValues = 50 // values in one …In list: the province has fewer districts and communes than this needs to name at once
)

// checkFilterTree refuses a filter tree beyond the limits, with the path of
// the first list that breaks one, before any of it is converted.
func checkFilterTree[F any](path string, top *F, subs func(*F) (and, or []*F)) error {
	count := 0
	var walk func(path string, f *F, depth int) error
	walk = func(path string, f *F, depth int) error {
		if count++; count > maxFilters {
			return domain.Invalid(path, "a filter holds at most %d filters in all, and/or lists included", maxFilters)
		}
		and, or := subs(f)
		for _, l := range []struct {
			name string
			list []*F
		}{{"and", and}, {"or", or}} {
			if l.list == nil {
				continue
			}
			p := path + "." + l.name
			if len(l.list) == 0 || len(l.list) > maxSubFilters {
				return domain.Invalid(p, "must list 1 to %d filters", maxSubFilters)
			}
			if depth == maxFilterDepth {
				return domain.Invalid(p, "filters nest at most %d levels below the top one", maxFilterDepth)
			}
			for i, sub := range l.list {
				if err := walk(fmt.Sprintf("%s[%d]", p, i), sub, depth+1); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return walk(path, top, 0)
}

// subFilters converts the and- and or-lists of the filter at path with conv,
// which is given each sub-filter's own path.
func subFilters[In, Out any](path string, and, or []*In, conv func(string, *In) (Out, error)) ([]Out, []Out, error) {
	each := func(name string, list []*In) ([]Out, error) {
		var out []Out
		for i, sub := range list {
			o, err := conv(fmt.Sprintf("%s.%s[%d]", path, name, i), sub)
			if err != nil {
				return nil, err
			}
			out = append(out, o)
		}
		return out, nil
	}
	all, err := each("and", and)
	if err != nil {
		return nil, nil, err
	}
	anyOf, err := each("or", or)
	return all, anyOf, err
}

// oneOrIn reads a condition given either as one value (field name) or as a
// list (nameIn), not both: the one value is a list of one.
func oneOrIn[T any](path, name string, one *T, list []T) ([]T, error) {
	switch {
	case one != nil && list != nil:
		return nil, domain.Invalid(path+"."+name+"In", "give %s or %sIn, not both", name, name)
	case one != nil:
		return []T{*one}, nil
	case list != nil && (len(list) == 0 || len(list) > maxFilterValues):
		return nil, domain.Invalid(path+"."+name+"In", "must list 1 to %d values", maxFilterValues)
	}
	return list, nil
}

// mapEach converts every value of list with conv, stopping at the first error.
func mapEach[T, U any](list []T, conv func(T) (U, error)) ([]U, error) {
	if list == nil {
		return nil, nil
	}
	out := make([]U, 0, len(list))
	for _, v := range list {
		u, err := conv(v)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, nil
}
