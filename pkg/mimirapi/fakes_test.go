package mimirapi

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/mimirctl/mimirctl/pkg/gate/gatetest"
	"github.com/mimirctl/mimirctl/pkg/mimir"
)

// route is a canned answer of a fake Mimir.
type route struct {
	status int
	file   string // under testdata/, e.g. "mimir-2.9.0/buildinfo.json"
	body   string // used when file is empty
}

// fakeMimir answers only the routes it is given (404 otherwise), as Mimir
// answers paths it does not serve.
func fakeMimir(t *testing.T, routes map[string]route) *httptest.Server {
	t.Helper()
	bodies := map[string][]byte{}
	for path, r := range routes {
		b := []byte(r.body)
		if r.file != "" {
			var err error
			if b, err = os.ReadFile(filepath.Join("testdata", r.file)); err != nil {
				t.Fatal(err)
			}
		}
		bodies[path] = b
	}
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r, ok := routes[req.URL.Path]
		if !ok {
			http.Error(w, "404 page not found", http.StatusNotFound)
			return
		}
		if r.status == 0 {
			r.status = http.StatusOK
		}
		w.WriteHeader(r.status)
		_, _ = w.Write(bodies[req.URL.Path])
	}))
	t.Cleanup(s.Close)
	return s
}

// mimirPod is a pod labelled name=<label> served by srv (nil: not running).
func mimirPod(name, label string, srv *httptest.Server) gatetest.Pod {
	return gatetest.Pod{Name: name, Labels: map[string]string{"name": label}, Server: srv}
}

// v2 and v3 are complete fake Mimir pods of each captured version.
func v2(t *testing.T) *httptest.Server {
	return fakeMimir(t, map[string]route{
		mimir.PathBuildInfo:     {file: "mimir-2.9.0/buildinfo.json"},
		mimir.PathReady:         {file: "mimir-2.9.0/ready.txt"},
		mimir.PathConfig:        {file: "mimir-2.9.0/config.yaml"},
		mimir.PathMemberlist:    {file: "mimir-2.9.0/memberlist.json"},
		mimir.PathHATracker:     {file: "mimir-2.9.0/ha_tracker-mimir-write-zone-a-0.json"},
		mimir.PathRuntimeConfig: {file: "mimir-2.9.0/runtime_config.yaml"},
	})
}

func v3(t *testing.T) *httptest.Server {
	return fakeMimir(t, map[string]route{
		mimir.PathBuildInfo:            {file: "mimir-3.0.5/buildinfo.json"},
		mimir.PathReady:                {file: "mimir-3.0.5/ready.txt"},
		mimir.PathConfig:               {file: "mimir-3.0.5/config.yaml"},
		mimir.PathMemberlist:           {file: "mimir-3.0.5/memberlist.json"},
		mimir.PathHATracker:            {file: "mimir-3.0.5/ha_tracker-ingester-zone-a-0.json"},
		mimir.PathPrepareRingDownscale: {file: "mimir-3.0.5/prepare-instance-ring-downscale-get.json"},
	})
}
