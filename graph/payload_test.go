package graph

import (
	"slices"
	"testing"

	"treem/graph/model"
	"treem/internal/domain"
)

// TestErrorCodesMatchTheDomain: the schema's ErrorCode is a second copy of the
// domain's codes, so the two must list the same values.
func TestErrorCodesMatchTheDomain(t *testing.T) {
	domainCodes := []domain.Code{domain.CodeInvalidInput, domain.CodeNotFound, domain.CodeConflict, domain.CodeUnauthenticated,
		domain.CodeForbidden, domain.CodeTooComplex, domain.CodeUnavailable, domain.CodeInternal}
	var got, want []string
	for _, c := range model.AllErrorCode {
		got = append(got, string(c))
	}
	for _, c := range domainCodes {
		want = append(want, string(c))
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("schema ErrorCode %v, domain codes %v", got, want)
	}
}
