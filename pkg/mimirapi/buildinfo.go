package mimirapi

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/mimirctl/mimirctl/pkg/mimir"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
)

// BuildInfo is what /api/v1/status/buildinfo says about a build.
type BuildInfo struct {
	Application string            `json:"application"`
	Version     string            `json:"version"`
	Revision    string            `json:"revision"`
	Branch      string            `json:"branch"`
	GoVersion   string            `json:"goVersion"`
	Features    map[string]string `json:"features,omitempty"`
}

// ParseBuildInfo reads the endpoint's JSON envelope.
func ParseBuildInfo(b []byte) (BuildInfo, error) {
	var env struct {
		Status string    `json:"status"`
		Data   BuildInfo `json:"data"`
	}
	if err := json.Unmarshal(b, &env); err != nil {
		return BuildInfo{}, fmt.Errorf("read build info: %w", err)
	}
	if env.Status != "success" {
		return BuildInfo{}, fmt.Errorf("read build info: status %q, want success", env.Status)
	}
	if env.Data.Version == "" {
		return BuildInfo{}, fmt.Errorf("read build info: no version field")
	}
	return env.Data, nil
}

// FetchBuildInfo asks pod t for its build info.
func FetchBuildInfo(ctx context.Context, d podaccess.Doer, t podaccess.Target) (BuildInfo, error) {
	b, err := get(ctx, d, t, mimir.PathBuildInfo, "")
	if err != nil {
		return BuildInfo{}, err
	}
	bi, err := ParseBuildInfo(b)
	if err != nil {
		return BuildInfo{}, fmt.Errorf("pod %s: %w", t, err)
	}
	return bi, nil
}
