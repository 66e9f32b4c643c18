package cli

import (
	"encoding/json"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

func TestBuildInfo(t *testing.T) {
	vcs := []debug.BuildSetting{
		{Key: "-trimpath", Value: "true"},
		{Key: "vcs.revision", Value: "0ae451b0c0ffee"},
		{Key: "vcs.time", Value: "2026-11-29T20:00:00Z"},
		{Key: "vcs.modified", Value: "true"},
	}
	tests := []struct {
		behaviour string
		stamp     string
		bi        *debug.BuildInfo
		ok        bool
		version   string
		revision  string
		modified  string // "", "true", "false"
	}{
		{"the -ldflags stamp wins over the module version", "v0.3.0-4-g0ae451b-dirty",
			&debug.BuildInfo{Main: debug.Module{Version: "v0.3.0"}, Settings: vcs}, true, "v0.3.0-4-g0ae451b-dirty", "0ae451b0c0ffee", "true"},
		{"without a stamp a go install build reports its module version", "dev",
			&debug.BuildInfo{Main: debug.Module{Version: "v0.3.0"}}, true, "v0.3.0", "", ""},
		{"a build in the checkout without a stamp stays dev, with the commit", "dev",
			&debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: append(vcs[:3:3], debug.BuildSetting{Key: "vcs.modified", Value: "false"})}, true,
			"dev", "0ae451b0c0ffee", "false"},
		{"no build info at all", "", nil, false, "dev", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.behaviour, func(t *testing.T) {
			v := buildInfo(tt.stamp, tt.bi, tt.ok)
			modified := ""
			if v.Modified != nil {
				modified = map[bool]string{true: "true", false: "false"}[*v.Modified]
			}
			if v.Version != tt.version || v.Revision != tt.revision || modified != tt.modified {
				t.Errorf("got version %q revision %q modified %q, want %q %q %q", v.Version, v.Revision, modified, tt.version, tt.revision, tt.modified)
			}
			if v.GoVersion != runtime.Version() || v.Platform != runtime.GOOS+"/"+runtime.GOARCH {
				t.Errorf("go %q platform %q", v.GoVersion, v.Platform)
			}
			if tt.revision != "" && v.RevisionTime != "2026-11-29T20:00:00Z" {
				t.Errorf("revision time %q", v.RevisionTime)
			}
		})
	}
}

func TestVersionJSON(t *testing.T) {
	out, errOut, code := newTestCLI(t).run("", "version", "-o", "json")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	for _, k := range []string{"version", "goVersion", "platform", "plans"} {
		if _, ok := got[k]; !ok {
			t.Errorf("no %q in %s", k, out)
		}
	}
	for k := range got {
		switch k {
		case "version", "goVersion", "platform", "plans", "revision", "revisionTime", "modified":
		default:
			t.Errorf("unexpected field %q", k)
		}
	}
	var v BuildInfo
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatal(err)
	}
	if len(v.Plans) != 1 || v.Plans[0] != (PlanVersions{Name: "demo", MimirVersions: ">=2.0.0 <3.0.0"}) {
		t.Errorf("plans %+v, want demo with its mimirVersions", v.Plans)
	}

	text, _, _ := newTestCLI(t).run("", "version")
	if !strings.HasPrefix(text, "mimirctl "+v.Version+" ("+runtime.Version()) || !strings.Contains(text, "plan demo: Mimir >=2.0.0 <3.0.0") {
		t.Errorf("text output:\n%s", text)
	}
}
