package httpserver

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"treem/internal/auth"
	"treem/internal/domain"
)

// Sessions signs users in and out with a username and a password, and
// resolves a session cookie into its user (auth.Sessions).
type Sessions interface {
	SignIn(ctx context.Context, username, password, addr string) (auth.Session, time.Duration, error)
	Resolve(ctx context.Context, token string) (auth.Session, error)
	SignOut(ctx context.Context, token string) error
}

// SessionCookie is the name of the cookie that holds a session's token.
const SessionCookie = "treem_session"

// CSRFHeader carries a session's CSRF token on every request that changes
// state (any method but GET, HEAD and OPTIONS) made with the session cookie.
const CSRFHeader = "X-CSRF-Token"

// loginBodyLimit bounds a sign-in's body: a name and a password.
const loginBodyLimit = 8 << 10

// sessionAnswer is what /auth/login and /auth/session answer: who is signed
// in, until when, and the CSRF token the page sends back in CSRFHeader.
type sessionAnswer struct {
	Username    string    `json:"username"`
	DisplayName string    `json:"displayName"`
	Role        string    `json:"role"`
	Area        string    `json:"area"`
	ExpiresAt   time.Time `json:"expiresAt"`
	CSRFToken   string    `json:"csrfToken"`
}

func answerOf(s auth.Session) sessionAnswer {
	return sessionAnswer{Username: s.Account.Username, DisplayName: s.Account.DisplayName, Role: string(s.Account.Role),
		Area: s.Account.Area, ExpiresAt: s.ExpiresAt.UTC(), CSRFToken: s.CSRF}
}

// secure tells whether cookies must be Secure: the request came over TLS, or
// the server runs in production (behind a proxy that ends TLS).
func (e *edge) secure(r *http.Request) bool { return r.TLS != nil || e.o.SecureCookies }

func (e *edge) setSessionCookie(w http.ResponseWriter, r *http.Request, s auth.Session) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: s.Token, Path: "/", Expires: s.ExpiresAt,
		HttpOnly: true, Secure: e.secure(r), SameSite: http.SameSiteStrictMode})
}

func (e *edge) clearSessionCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: e.secure(r), SameSite: http.SameSiteStrictMode})
}

// sessionToken is the request's session cookie's value, or "".
func sessionToken(r *http.Request) string {
	c, err := r.Cookie(SessionCookie)
	if err != nil {
		return ""
	}
	return c.Value
}

// safeMethod tells the methods that change nothing, which need no CSRF token.
func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// clientAddr is the address a request came from, for the sign-in limits: the
// peer's, never a header a client could set. Behind a proxy every client
// shares the proxy's address, so its limit is the per-user one in effect.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// login answers POST /auth/login: a form (application/x-www-form-urlencoded)
// or JSON body of username and password. Every refusal is the same
// UNAUTHENTICATED answer; after too many, with Retry-After.
func (e *edge) login(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	username, password, err := loginForm(w, r)
	if err != nil {
		WriteError(w, r, e.o.Log, err)
		return
	}
	s, wait, err := e.o.Sessions.SignIn(r.Context(), username, password, clientAddr(r))
	if err != nil {
		if wait > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
		}
		WriteError(w, r, e.o.Log, err)
		return
	}
	if old := sessionToken(r); old != "" {
		// Signing in again replaces the browser's session; the old one ends.
		if err := e.o.Sessions.SignOut(r.Context(), old); err != nil {
			e.o.Log.WarnContext(r.Context(), "end the replaced session", "err", err)
		}
	}
	e.setSessionCookie(w, r, s)
	writeJSON(w, http.StatusOK, answerOf(s))
}

// loginForm reads the username and password of a sign-in's body.
func loginForm(w http.ResponseWriter, r *http.Request) (string, string, error) {
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, loginBodyLimit))
	if err != nil {
		return "", "", domain.Errorf(domain.CodeInvalidInput, "the sign-in's body is too large or could not be read")
	}
	switch mediaType {
	case "application/json":
		var in struct {
			Username string `json:"username"`
			Password string `json:"password"`
		}
		if err := json.Unmarshal(body, &in); err != nil {
			return "", "", domain.Errorf(domain.CodeInvalidInput, "the sign-in's body is not a JSON object of username and password")
		}
		return in.Username, in.Password, nil
	case "application/x-www-form-urlencoded":
		q, err := url.ParseQuery(string(body))
		if err != nil {
			return "", "", domain.Errorf(domain.CodeInvalidInput, "the sign-in's form is malformed")
		}
		return q.Get("username"), q.Get("password"), nil
	}
	return "", "", domain.Errorf(domain.CodeInvalidInput,
		"Content-Type must be application/x-www-form-urlencoded or application/json")
}

// logout answers POST /auth/logout: it ends the cookie's session, given the
// session's CSRF token, and clears the cookie. A session that has already
// ended has nothing to end: the answer is the same.
func (e *edge) logout(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if token := sessionToken(r); token != "" {
		if !e.checkCSRF(w, r, token) {
			return
		}
		if err := e.o.Sessions.SignOut(r.Context(), token); err != nil {
			WriteError(w, r, e.o.Log, err)
			return
		}
	}
	e.clearSessionCookie(w, r)
	w.WriteHeader(http.StatusNoContent)
}

// session answers GET /auth/session: who the cookie's session signs in, or
// UNAUTHENTICATED.
func (e *edge) session(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	token := sessionToken(r)
	if token == "" {
		writeError(w, domain.CodeUnauthenticated, "not signed in")
		return
	}
	s, err := e.o.Sessions.Resolve(r.Context(), token)
	if err != nil {
		if domain.ErrorCode(err) == domain.CodeUnauthenticated {
			e.clearSessionCookie(w, r)
		}
		WriteError(w, r, e.o.Log, err)
		return
	}
	writeJSON(w, http.StatusOK, answerOf(s))
}

// withSession serves a request that carries a session cookie and no
// Authorization header: a request that changes state must carry the
// session's CSRF token (else FORBIDDEN, before the session is looked up), and
// the session's user becomes the request's, as a bearer token's would. A
// cookie that names no live session is UNAUTHENTICATED, and is cleared.
func (e *edge) withSession(next http.Handler, w http.ResponseWriter, r *http.Request, token string) {
	if !safeMethod(r.Method) && !e.checkCSRF(w, r, token) {
		return
	}
	s, err := e.o.Sessions.Resolve(r.Context(), token)
	if err != nil {
		var de *domain.Error
		if errors.As(err, &de) && de.Code == domain.CodeUnauthenticated {
			e.clearSessionCookie(w, r)
		}
		WriteError(w, r, e.o.Log, err)
		return
	}
	u := s.Account.User()
	next.ServeHTTP(w, r.WithContext(domain.WithUser(r.Context(), &u)))
}

// checkCSRF tells whether the request carries the CSRF token of the session
// token, and refuses it FORBIDDEN when not.
func (e *edge) checkCSRF(w http.ResponseWriter, r *http.Request, token string) bool {
	if auth.CheckCSRF(token, r.Header.Get(CSRFHeader)) {
		return true
	}
	e.o.Log.InfoContext(r.Context(), "request with a session cookie refused: no CSRF token",
		"request_id", domain.RequestFrom(r.Context()).ID, "method", r.Method, "route", routeOf(r.URL.Path))
	writeError(w, domain.CodeForbidden, "a request made with the session cookie must carry the session's "+CSRFHeader+" header")
	return false
}
