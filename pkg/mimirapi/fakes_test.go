package mimirapi

import (
	"net/http/httptest"
	"testing"

	"github.com/mimirctl/mimirctl/pkg/gate/gatetest"
	"github.com/mimirctl/mimirctl/pkg/mimir"
)

// mimirPod is a pod labelled name=<label> served by srv (nil: not running).
func mimirPod(name, label string, srv *httptest.Server) gatetest.Pod {
	return gatetest.Pod{Name: name, Labels: map[string]string{"name": label}, Server: srv}
}

// v2 and v3 are complete fake Mimir pods of each captured version.
func v2(t *testing.T) *httptest.Server {
	return gatetest.FakeMimir(t, map[string]gatetest.Route{
		mimir.PathBuildInfo:     {File: "testdata/mimir-2.9.0/buildinfo.json"},
		mimir.PathReady:         {File: "testdata/mimir-2.9.0/ready.txt"},
		mimir.PathConfig:        {File: "testdata/mimir-2.9.0/config.yaml"},
		mimir.PathMemberlist:    {File: "testdata/mimir-2.9.0/memberlist.json"},
		mimir.PathHATracker:     {File: "testdata/mimir-2.9.0/ha_tracker-mimir-write-zone-a-0.json"},
		mimir.PathRuntimeConfig: {File: "testdata/mimir-2.9.0/runtime_config.yaml"},
	})
}

func v3(t *testing.T) *httptest.Server {
	return gatetest.FakeMimir(t, map[string]gatetest.Route{
		mimir.PathBuildInfo:            {File: "testdata/mimir-3.0.5/buildinfo.json"},
		mimir.PathReady:                {File: "testdata/mimir-3.0.5/ready.txt"},
		mimir.PathConfig:               {File: "testdata/mimir-3.0.5/config.yaml"},
		mimir.PathMemberlist:           {File: "testdata/mimir-3.0.5/memberlist.json"},
		mimir.PathHATracker:            {File: "testdata/mimir-3.0.5/ha_tracker-ingester-zone-a-0.json"},
		mimir.PathPrepareRingDownscale: {File: "testdata/mimir-3.0.5/prepare-instance-ring-downscale-get.json"},
	})
}
