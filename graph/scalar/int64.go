package scalar

import (
	"github.com/99designs/gqlgen/graphql"

	"treem/internal/domain"
)

// MarshalInt64 writes an Int64 (amounts in đồng exceed GraphQL's 32-bit Int).
func MarshalInt64(i int64) graphql.Marshaler { return graphql.MarshalInt64(i) }

// UnmarshalInt64 reads an Int64 as gqlgen does, but refuses a bad value with
// an INVALID_INPUT domain error; the error presenter names the argument.
func UnmarshalInt64(v any) (int64, error) {
	i, err := graphql.UnmarshalInt64(v)
	if err != nil {
		return 0, domain.Invalid("", "must be an integer of at most 64 bits")
	}
	return i, nil
}
