package podaccess

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/client-go/rest"
)

// slowServer answers every request after delay, and records the paths.
func slowServer(t *testing.T, delay time.Duration) (*httptest.Server, *recorded) {
	t.Helper()
	paths := &recorded{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		paths.add(r.URL.Path)
		time.Sleep(delay)
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	return srv, paths
}

// recorded is the paths a server saw, safe for its handler goroutines.
type recorded struct {
	mu    sync.Mutex
	paths []string
}

func (r *recorded) add(p string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.paths = append(r.paths, p)
}

func (r *recorded) has(want string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, p := range r.paths {
		if p == want {
			return true
		}
	}
	return false
}

func TestLongCallsAreNotCutByTheRequestTimeout(t *testing.T) {
	srv, paths := slowServer(t, 300*time.Millisecond)
	host, portStr, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
	port, _ := strconv.Atoi(portStr)
	target := Target{Namespace: "mimir", Name: "ingester-zone-a-0", IP: host, Port: port}
	proxy, err := NewProxy(&rest.Config{Host: srv.URL, APIPath: "/", Timeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	clients := map[string]*Client{
		"direct": NewDirect(&http.Client{Timeout: 50 * time.Millisecond}),
		"proxy":  proxy,
	}
	for name, c := range clients {
		t.Run(name, func(t *testing.T) {
			if _, err := c.Do(context.Background(), target, http.MethodPost, "/ingester/shutdown", nil, nil); err == nil || !strings.Contains(err.Error(), "Timeout") {
				t.Fatalf("the ordinary client was not bounded by its timeout: %v", err)
			}
			resp, err := LongCalls(c).Do(context.Background(), target, http.MethodPost, "/ingester/shutdown", nil, nil)
			if err != nil {
				t.Fatalf("long call: %v", err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusNoContent {
				t.Errorf("status %d", resp.StatusCode)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			if _, err := LongCalls(c).Do(ctx, target, http.MethodPost, "/ingester/shutdown", nil, nil); err == nil {
				t.Error("a long call ignored its context's deadline")
			}
		})
	}
	if want := "/api/v1/namespaces/mimir/pods/ingester-zone-a-0:" + portStr + "/proxy/ingester/shutdown"; !paths.has(want) {
		t.Errorf("the proxy client did not call %s", want)
	}
}

func TestLongCallsOfAnotherDoerIsTheDoerItself(t *testing.T) {
	var d Doer = doerFunc(nil)
	if _, ok := LongCalls(d).(doerFunc); !ok {
		t.Error("LongCalls changed a Doer without a long variant")
	}
}

type doerFunc func()

func (doerFunc) Do(context.Context, Target, string, string, http.Header, io.Reader) (*http.Response, error) {
	return nil, nil
}
