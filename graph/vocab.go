package graph

import (
	"slices"
	"strings"

	"treem/internal/domain"
)

// A schema enum spells each code of a fixed vocabulary in capitals, hyphens
// as underscores (drowning is DROWNING, partial-main is PARTIAL_MAIN). The
// codes themselves have one source each, the domain's or the indicators'
// list, which the database's CHECK constraints copy under test; these two
// functions are the only conversions between the spellings, and
// vocab_test.go checks that every enum names exactly its list's codes.

// enumOf is the schema's spelling of a code.
func enumOf[E ~string](code string) E {
	return E(strings.ToUpper(strings.ReplaceAll(code, "-", "_")))
}

// codeOf is the code of codes that e spells; ok is false when none does.
// gqlgen has already refused a value outside the enum, so a miss means the
// enum and the list differ, which the cross-check tests catch first.
func codeOf[E ~string](e E, codes []string) (code string, ok bool) {
	i := slices.IndexFunc(codes, func(c string) bool { return enumOf[E](c) == e })
	if i < 0 {
		return string(e), false
	}
	return codes[i], true
}

// mustCodeOf is codeOf for an enum-typed argument, where a miss cannot be
// the client's: the value passes on unchanged for the store to refuse.
func mustCodeOf[E ~string](e E, codes []string) string {
	c, _ := codeOf(e, codes)
	return c
}

// optCode is the code an optional enum argument spells, "" when it is absent.
func optCode[E ~string](e *E, codes []string) string {
	if e == nil {
		return ""
	}
	return mustCodeOf(*e, codes)
}

// kindCode reads a free-text event kind in the spelling of the list's enum
// (InjuryCause, SupportType, GiftOccasion); lists without a vocabulary
// (reports: a period) take the text as it is.
func kindCode(field, text string, codes []string) (string, error) {
	if codes == nil {
		return text, nil
	}
	if c, ok := codeOf(text, codes); ok {
		return c, nil
	}
	spelt := make([]string, len(codes))
	for i, c := range codes {
		spelt[i] = enumOf[string](c)
	}
	return "", domain.Invalid(field, "must be one of %s", strings.Join(spelt, ", "))
}
