package localmimir

import (
	"context"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
	"time"
)

// Fetch sends GET path with the Accept header (when not empty) and returns
// the status and body. It fails the test when the process cannot be reached.
func (p *Process) Fetch(t testing.TB, path, accept string) (int, []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.URL(path), nil)
	if err != nil {
		t.Fatalf("build GET %s for %s: %v", path, p.Name, err)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s on %s: %v", path, p.Name, err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read GET %s on %s: %v", path, p.Name, err)
	}
	return resp.StatusCode, b
}

// Eventually polls check until it returns "" (done) or timeout passes, then
// fails the test with check's last complaint.
func Eventually(t testing.TB, timeout time.Duration, what string, check func() string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	err := poll(ctx, func() (bool, string) {
		msg := check()
		return msg == "", msg
	})
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// AcceptJSON is the Accept header Mimir's admin pages answer JSON to.
const AcceptJSON = "application/json"

// trimmed renders a body for messages.
func trimmed(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}

// TenantProxy starts a loopback reverse proxy to p that sets the tenant
// header on every request, and returns its URL. Debian's Prometheus 2.42
// drops remote_write `headers`, so its writes go through this proxy.
func TenantProxy(t testing.TB, p *Process, tenant string) string {
	t.Helper()
	target, err := url.Parse("http://" + p.HTTPAddr())
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.ErrorLog = log.New(io.Discard, "", 0) // a stopped Mimir is part of the tests
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Header.Set("X-Scope-OrgID", tenant)
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}
