package httpserver

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"reflect"
	"strings"

	"treem/internal/domain"
)

// authenticate puts the caller's user in the context: the bearer token's,
// else the session cookie's (withSession, which asks for the CSRF token).
// Neither means anonymous. A bearer token always wins over a cookie and needs
// no CSRF token: a page of another site cannot set Authorization.
func (e *edge) authenticate(next http.Handler) http.Handler {
	bearer := e.authenticateBearer(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "" && e.o.Sessions != nil {
			if token := sessionToken(r); token != "" {
				e.withSession(next, w, r, token)
				return
			}
		}
		bearer.ServeHTTP(w, r)
	})
}

// authenticateBearer puts the bearer token's user in the context. No
// Authorization header means anonymous; a header that is not a valid bearer
// token is refused with 401, never downgraded to anonymous.
func (e *edge) authenticateBearer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := r.Header.Get("Authorization")
		if h == "" {
			next.ServeHTTP(w, r)
			return
		}
		scheme, token, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
			unauthorized(w, "the Authorization header must be 'Bearer <token>'")
			return
		}
		u, err := e.o.Auth.Verify(strings.TrimSpace(token))
		if err != nil {
			msg := "the token is invalid"
			var de *domain.Error
			if errors.As(err, &de) && de.Code == domain.CodeUnauthenticated {
				msg = de.Message
			}
			e.o.Log.InfoContext(r.Context(), "token refused", "request_id", domain.RequestFrom(r.Context()).ID, "reason", msg)
			unauthorized(w, msg)
			return
		}
		next.ServeHTTP(w, r.WithContext(domain.WithUser(r.Context(), u)))
	})
}

func unauthorized(w http.ResponseWriter, msg string) {
	w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
	writeError(w, domain.CodeUnauthenticated, msg)
}

// graphqlRequest is a GraphQL request (a POST's body, a GET's URL), decoded
// here only to refuse a malformed one with a clear message that never echoes
// the request.
type graphqlRequest struct {
	Query         string         `json:"query"`
	OperationName string         `json:"operationName"`
	Variables     map[string]any `json:"variables"`
	Extensions    map[string]any `json:"extensions"`
}

// hasQuery tells whether the request names its document, by text or by the
// hash of a persisted query.
func (g graphqlRequest) hasQuery() bool {
	return g.Query != "" || g.Extensions["persistedQuery"] != nil
}

// graphqlGuard admits POST application/json bodies within the size limit that
// decode as a GraphQL request, and GETs whose URL holds one; everything else
// gets a clear error before any GraphQL work is done. (Only the GraphQL
// handler can tell a mutation sent by GET, from its document.)
func (e *edge) graphqlGuard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet:
			guardGet(next, w, r)
		case http.MethodPost:
			e.guardPost(next, w, r)
		default:
			w.Header().Set("Allow", "GET, POST")
			writeErrorStatus(w, http.StatusMethodNotAllowed, domain.Errorf(domain.CodeInvalidInput, "use POST, or GET for queries"))
		}
	})
}

// guardGet admits a GET whose URL holds a query (or a persisted query's hash
// in extensions), with variables and extensions, when given, as JSON objects.
func guardGet(next http.Handler, w http.ResponseWriter, r *http.Request) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		writeError(w, domain.CodeInvalidInput, "the URL's query string is malformed")
		return
	}
	req := graphqlRequest{Query: q.Get("query")}
	for _, p := range []struct {
		name string
		into *map[string]any
	}{{"variables", &req.Variables}, {"extensions", &req.Extensions}} {
		if s := q.Get(p.name); s != "" {
			if err := json.Unmarshal([]byte(s), p.into); err != nil {
				writeError(w, domain.CodeInvalidInput, "the "+p.name+" parameter must be a JSON object")
				return
			}
		}
	}
	if !req.hasQuery() {
		writeError(w, domain.CodeInvalidInput, "the request has no query: GET /graphql?query=…")
		return
	}
	next.ServeHTTP(w, r)
}

func (e *edge) guardPost(next http.Handler, w http.ResponseWriter, r *http.Request) {
	mediaType, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mediaType != "application/json" {
		writeErrorStatus(w, http.StatusUnsupportedMediaType, domain.Errorf(domain.CodeInvalidInput,
			"Content-Type must be application/json"))
		return
	}
	limit := e.o.BodyLimit
	if r.ContentLength > limit {
		tooLarge(w, limit)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			tooLarge(w, limit)
			return
		}
		writeError(w, domain.CodeInvalidInput, "the request body could not be read")
		return
	}
	var req graphqlRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&req); err != nil {
		writeError(w, domain.CodeInvalidInput, "the request body is not valid JSON: "+jsonProblem(err))
		return
	}
	if dec.More() {
		writeError(w, domain.CodeInvalidInput, "the request body must hold one JSON object")
		return
	}
	if !req.hasQuery() {
		writeError(w, domain.CodeInvalidInput, "the request body has no query")
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	next.ServeHTTP(w, r)
}

func tooLarge(w http.ResponseWriter, limit int64) {
	writeErrorStatus(w, http.StatusRequestEntityTooLarge, domain.Errorf(domain.CodeTooComplex,
		"the request body exceeds %d bytes", limit))
}

// jsonProblem describes a decoding error by position and kind, never quoting
// the body (it may carry personal data in variables).
func jsonProblem(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("syntax error at byte %d", syn.Offset)
	case errors.As(err, &typ) && typ.Field == "":
		return "the body must be one JSON object (batches are not supported)"
	case errors.As(err, &typ):
		want := "string"
		if typ.Type.Kind() == reflect.Map {
			want = "object"
		}
		return fmt.Sprintf("field %q must be a JSON %s, not a JSON %s", typ.Field, want, typ.Value)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "unexpected end of input"
	}
	return "cannot decode"
}
