package graph

import (
	"encoding/json"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"treem/internal/domain"
	"treem/internal/httpserver"
)

// Response media types of the GraphQL-over-HTTP spec.
const (
	mediaGraphQLResponse = "application/graphql-response+json"
	mediaJSON            = "application/json"
)

// overHTTP serves GraphQL over HTTP as the GraphQL-over-HTTP spec asks, its
// SHOULDs included, where gqlgen's GET and POST transports differ: the
// response's media type follows Accept (406 when it allows neither), a
// request error leaves "data" out, its status is 200 under application/json
// and says why under application/graphql-response+json, and a mutation sent
// by GET is 405. The HTTP edge has already refused malformed requests.
type overHTTP struct{ log *slog.Logger }

var _ graphql.Transport = overHTTP{}

func (overHTTP) Supports(r *http.Request) bool {
	if r.Method == http.MethodGet {
		return true
	}
	mediaType, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return r.Method == http.MethodPost && err == nil && mediaType == mediaJSON
}

func (t overHTTP) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	// An answer may hold a child's personal data, and a GET's could otherwise
	// be kept in the browser's cache.
	w.Header().Set("Cache-Control", "no-store")
	media := responseMediaType(r.Header.Get("Accept"))
	if media == "" {
		t.refuse(w, mediaJSON, http.StatusNotAcceptable, domain.CodeInvalidInput,
			"the Accept header must allow "+mediaGraphQLResponse+" or "+mediaJSON)
		return
	}
	raw, err := requestParams(r)
	if err != nil {
		t.refuse(w, media, http.StatusBadRequest, domain.CodeInvalidInput,
			"the request is not a GraphQL request: variables and extensions must be JSON objects")
		return
	}
	ctx := r.Context()
	opCtx, errs := exec.CreateOperationContext(ctx, raw)
	if errs != nil {
		t.write(w, media, exec.DispatchError(graphql.WithOperationContext(ctx, opCtx), errs), true)
		return
	}
	// GET is a safe method: only the document can tell that an operation is not.
	if r.Method == http.MethodGet && opCtx.Operation.Operation != ast.Query {
		w.Header().Set("Allow", http.MethodPost)
		t.refuse(w, media, http.StatusMethodNotAllowed, domain.CodeInvalidInput, "GET runs queries only: send a "+
			string(opCtx.Operation.Operation)+" by POST")
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, opCtx)
	t.write(w, media, responses(ctx), false)
}

// requestParams reads the GraphQL request from the URL of a GET or the JSON
// body of a POST. Numbers stay json.Number, as gqlgen's transports keep them,
// so that an Int64 variable keeps all its digits.
func requestParams(r *http.Request) (*graphql.RawParams, error) {
	raw := &graphql.RawParams{ReadTime: graphql.TraceTiming{Start: graphql.Now()}}
	if r.Method == http.MethodGet {
		q := r.URL.Query()
		raw.Query, raw.OperationName = q.Get("query"), q.Get("operationName")
		for _, p := range []struct {
			name string
			into *map[string]any
		}{{"variables", &raw.Variables}, {"extensions", &raw.Extensions}} {
			if s := q.Get(p.name); s != "" {
				if err := decodeJSON(strings.NewReader(s), p.into); err != nil {
					return nil, err
				}
			}
		}
	} else if err := decodeJSON(r.Body, raw); err != nil {
		return nil, err
	}
	raw.Headers = r.Header
	raw.ReadTime.End = graphql.Now()
	return raw, nil
}

func decodeJSON(r io.Reader, v any) error {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	return dec.Decode(v)
}

// responseMediaType is the supported media type Accept prefers (the highest
// q, the first listed on a tie), or "" when it allows neither. Without an
// Accept header, or with a wildcard, it is application/graphql-response+json,
// the spec's default since 2025.
func responseMediaType(accept string) string {
	if strings.TrimSpace(accept) == "" {
		return mediaGraphQLResponse
	}
	best, bestQ := "", 0.0
	for part := range strings.SplitSeq(accept, ",") {
		mediaType, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		var media string
		switch mediaType {
		case mediaGraphQLResponse, mediaJSON:
			media = mediaType
		case "*/*", "application/*":
			media = mediaGraphQLResponse
		default:
			continue
		}
		q := 1.0
		if s, ok := params["q"]; ok {
			if q, err = strconv.ParseFloat(s, 64); err != nil {
				continue
			}
		}
		if q > bestQ {
			best, bestQ = media, q
		}
	}
	return best
}

// wireResponse is a GraphQL response as sent. Unlike graphql.Response it
// leaves "data" out when there is none: a request error (raised before
// execution, or an answer withheld because the audit log failed) has no data
// entry, as the GraphQL spec says.
type wireResponse struct {
	Errors     gqlerror.List   `json:"errors,omitempty"`
	Data       json.RawMessage `json:"data,omitempty"`
	Extensions map[string]any  `json:"extensions,omitempty"`
}

// write sends resp; refused tells an operation refused before it ran.
func (t overHTTP) write(w http.ResponseWriter, media string, resp *graphql.Response, refused bool) {
	status := http.StatusOK
	if resp.Data == nil && media == mediaGraphQLResponse {
		status = noDataStatus(resp.Errors, refused)
	}
	b, err := json.Marshal(wireResponse{Errors: resp.Errors, Data: resp.Data, Extensions: resp.Extensions})
	if err != nil {
		t.log.Error("cannot encode a GraphQL response", "err", err)
		t.refuse(w, media, http.StatusInternalServerError, domain.CodeInternal, "internal error")
		return
	}
	w.Header().Set("Content-Type", media+"; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// noDataStatus is the status of a response without data under
// application/graphql-response+json: that of its first error's code, except
// that an operation refused before it ran for its size (depth, fields,
// complexity: validation rules of this server) failed validation, a 400.
// An operation that ran has no data only when the audit log failed and its
// answer was withheld: 503, or 422 when it ran out of time.
func noDataStatus(errs gqlerror.List, refused bool) int {
	if len(errs) == 0 {
		return http.StatusInternalServerError
	}
	code, _ := errs[0].Extensions["code"].(string)
	if refused && domain.Code(code) == domain.CodeTooComplex {
		return http.StatusBadRequest
	}
	return httpserver.Status(domain.Code(code))
}

// refuse answers a request the transport will not run, in the shape of a
// GraphQL response without data.
func (overHTTP) refuse(w http.ResponseWriter, media string, status int, code domain.Code, msg string) {
	b, _ := json.Marshal(wireResponse{Errors: gqlerror.List{protocolError(code, msg)}})
	w.Header().Set("Content-Type", media+"; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
