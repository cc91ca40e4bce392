package handlers

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"
)

// A page is sent whole, with its length, once it has rendered; one that
// fails half-way sends nothing, so the error handler can answer; the
// buffers reused from page to page carry nothing over.
func TestWritePage(t *testing.T) {
	big := strings.Repeat("<p>row</p>", 20000) // 200 KB: many of templ's 4 KB pieces
	failed := errors.New("the template failed")
	tests := []struct {
		name    string
		status  int
		body    string
		err     error
		wantErr bool
	}{
		{"a large page", http.StatusOK, big, nil, false},
		{"a small page after it", http.StatusNotFound, "<p>not here</p>", nil, false},
		{"an empty page", http.StatusOK, "", nil, false},
		{"a page that fails half-way", http.StatusOK, big, failed, true},
		{"a page after the failure", http.StatusOK, "<p>fine</p>", nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			page := templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
				if _, err := io.WriteString(w, tc.body); err != nil {
					return err
				}
				return tc.err
			})
			rec := httptest.NewRecorder()
			c := echo.New().NewContext(httptest.NewRequest(http.MethodGet, "/", nil), rec)
			err := writePage(context.Background(), c, tc.status, page)
			if tc.wantErr {
				if !errors.Is(err, failed) {
					t.Fatalf("writePage = %v, want %v", err, failed)
				}
				if c.Response().Committed || rec.Body.Len() != 0 {
					t.Errorf("a failed page sent %d bytes (committed %v), want nothing", rec.Body.Len(), c.Response().Committed)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if rec.Code != tc.status || rec.Body.String() != tc.body {
				t.Errorf("sent %d with %d bytes, want %d with %d", rec.Code, rec.Body.Len(), tc.status, len(tc.body))
			}
			if got := rec.Header().Get(echo.HeaderContentLength); got != strconv.Itoa(len(tc.body)) {
				t.Errorf("Content-Length = %q, want %d", got, len(tc.body))
			}
			if got := rec.Header().Get(echo.HeaderContentType); got != echo.MIMETextHTMLCharsetUTF8 {
				t.Errorf("Content-Type = %q, want %q", got, echo.MIMETextHTMLCharsetUTF8)
			}
		})
	}
}
