package ringcheck

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// fakeRingServer serves captured ring pages by path and honours POST
// forget=<id> as dskit does (302 to "#"). Paths it has no page for answer 404.
type fakeRingServer struct {
	mu      sync.Mutex
	pages   map[string]map[string]any // path → decoded page
	forgets []string
	*httptest.Server
}

func newFakeRingServer(t *testing.T, pages map[string]string) *fakeRingServer {
	t.Helper()
	f := &fakeRingServer{pages: map[string]map[string]any{}}
	for path, file := range pages {
		b, err := os.ReadFile(filepath.Join("testdata", file))
		if err != nil {
			t.Fatal(err)
		}
		var page map[string]any
		if err := json.Unmarshal(b, &page); err != nil {
			t.Fatal(err)
		}
		f.pages[path] = page
	}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeRingServer) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	page, ok := f.pages[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	if r.Method == http.MethodPost {
		id := r.FormValue("forget")
		f.forgets = append(f.forgets, id)
		var kept []any
		for _, s := range page["shards"].([]any) {
			if s.(map[string]any)["id"] != id {
				kept = append(kept, s)
			}
		}
		page["shards"] = kept
		w.Header().Set("Location", "#")
		w.WriteHeader(http.StatusFound)
		return
	}
	if !strings.Contains(r.Header.Get("Accept"), "application/json") {
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("<html>ring</html>"))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(page)
}

// brokenServer answers every request with status and body.
func brokenServer(t *testing.T, status int, body string) *httptest.Server {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(s.Close)
	return s
}
