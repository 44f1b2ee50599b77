package export

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"treem/internal/bulletin"
	"treem/internal/domain"
	"treem/internal/httpserver"
)

// Bulletins gives an issue of the quarterly bulletin with its numbers
// (bulletin.Service implements it).
type Bulletins interface {
	Issue(ctx context.Context, id int64) (domain.Bulletin, *domain.BulletinContent, error)
}

// bulletinPrefix is where the issues download: {id}.html or {id}.pdf.
const bulletinPrefix = "/export/bulletin/"

// WithBulletins serves the bulletin's issues at /export/bulletin/{id}.html
// and .pdf beside the tables of h, behind the same authentication. A draft is
// NOT_FOUND for every role but province officers, as in GraphQL. Without b
// (no bulletin on this server) the downloads are UNAVAILABLE.
func WithBulletins(h http.Handler, b Bulletins, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, ok := strings.CutPrefix(r.URL.Path, bulletinPrefix)
		if !ok {
			h.ServeHTTP(w, r)
			return
		}
		num, ext, _ := strings.Cut(name, ".")
		id, err := strconv.ParseInt(num, 10, 64)
		if err != nil || id <= 0 || (ext != "html" && ext != "pdf") {
			httpserver.WriteError(w, r, log, domain.Errorf(domain.CodeNotFound,
				"unknown bulletin download %q: use /export/bulletin/{id}.html or .pdf", name))
			return
		}
		if b == nil {
			httpserver.WriteError(w, r, log, domain.Errorf(domain.CodeUnavailable, "the bulletin is not available on this server"))
			return
		}
		issue, content, err := b.Issue(r.Context(), id)
		if err != nil {
			httpserver.WriteError(w, r, log, err)
			return
		}
		// Rendered whole before the first byte, so that a failure is an error answer, not half a file.
		var buf bytes.Buffer
		render, contentType := bulletin.HTML, "text/html; charset=utf-8"
		if ext == "pdf" {
			render, contentType = bulletin.PDF, "application/pdf"
		}
		if err := render(&buf, issue, content); err != nil {
			httpserver.WriteError(w, r, log, err)
			return
		}
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("Content-Disposition", fmt.Sprintf(`inline; filename="ban-tin-%s.%s"`, issue.Period(), ext))
		if _, err := w.Write(buf.Bytes()); err != nil {
			log.Error("bulletin write", "id", id, "format", ext, "err", err)
		}
	})
}
