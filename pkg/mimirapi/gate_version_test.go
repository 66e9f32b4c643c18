package mimirapi

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mimirctl/mimirctl/pkg/gate/gatetest"
	"github.com/mimirctl/mimirctl/pkg/mimir"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
	"github.com/mimirctl/mimirctl/pkg/verdict"
)

var allMimir = PodsSpec{Pods: podaccess.Selector{Labels: "name"}}

// unstamped serves a build without a release version, with the routes of
// the given captured version for feature detection.
func unstamped(t *testing.T, like string) func(t *testing.T) []gatetest.Pod {
	return func(t *testing.T) []gatetest.Pod {
		routes := map[string]gatetest.Route{
			mimir.PathBuildInfo: {Body: `{"status":"success","data":{"application":"Grafana Mimir","version":"unknown","revision":"","branch":"","goVersion":"go1.26.8"}}`},
			mimir.PathConfig:    {File: "testdata/mimir-" + like + "/config.yaml"},
		}
		if like == "3.0.5" {
			routes[mimir.PathPrepareRingDownscale] = gatetest.Route{File: "testdata/mimir-3.0.5/prepare-instance-ring-downscale-get.json"}
		}
		return []gatetest.Pod{mimirPod("custom-0", "distributor", gatetest.FakeMimir(t, routes))}
	}
}

// reporting serves only build info with the given version and revision, as
// /api/v1/status/buildinfo writes them.
func reporting(version, revision string) func(t *testing.T) []gatetest.Pod {
	return func(t *testing.T) []gatetest.Pod {
		body := fmt.Sprintf(`{"status":"success","data":{"application":"Grafana Mimir","version":%q,"revision":%q,"branch":"","goVersion":"go1.26.8"}}`, version, revision)
		return []gatetest.Pod{mimirPod("distributor-0", "distributor", gatetest.FakeMimir(t, map[string]gatetest.Route{mimir.PathBuildInfo: {Body: body}}))}
	}
}

func TestVersionGate(t *testing.T) {
	haMemberlist := []FeatureProbe{{ConfigKey: "limits.ha_tracker_failover_timeout", Expect: "present"}}
	downscale := []FeatureProbe{{Path: mimir.PathPrepareRingDownscale, Expect: "present"}}
	tests := []struct {
		name        string
		spec        VersionSpec
		pods        func(t *testing.T) []gatetest.Pod
		want        verdict.Verdict
		wantSummary string
		wantDetail  string
	}{
		{"a 2.9.0 cluster is within the read-write plans' range",
			VersionSpec{PodsSpec: allMimir, Supported: ">=2.0.0 <3.0.0"},
			func(t *testing.T) []gatetest.Pod {
				return []gatetest.Pod{mimirPod("distributor-0", "distributor", v2(t))}
			},
			verdict.Pass, "1/1 pods run a supported version", ""},
		{"a pod being deleted in a rollout is left out: its replacement is judged",
			VersionSpec{PodsSpec: allMimir, Supported: ">=2.0.0 <3.0.0"},
			func(t *testing.T) []gatetest.Pod {
				old := mimirPod("distributor-old", "distributor", v2(t))
				old.Terminating = true
				return []gatetest.Pod{mimirPod("distributor-new", "distributor", v2(t)), old}
			},
			verdict.Pass, "1/1 pods run a supported version", ""},
		{"a 3.0.5 pod is refused by a 2.x-only plan, with the reason",
			VersionSpec{PodsSpec: allMimir, Supported: ">=2.0.0 <3.0.0", Reason: "read-write mode was removed in Mimir 3.0"},
			func(t *testing.T) []gatetest.Pod {
				return []gatetest.Pod{mimirPod("distributor-0", "distributor", v2(t)), mimirPod("ingester-0", "ingester", v3(t))}
			},
			verdict.Fail, "1/2 pods", "ingester-0: Mimir 3.0.5 is outside the supported range >=2.0.0 <3.0.0\n  read-write mode was removed in Mimir 3.0"},
		{"2.9.0 is too old for the HA tracker on memberlist",
			VersionSpec{PodsSpec: allMimir, Supported: ">=2.17.0"},
			func(t *testing.T) []gatetest.Pod {
				return []gatetest.Pod{mimirPod("distributor-0", "distributor", v2(t))}
			},
			verdict.Fail, "", "Mimir 2.9.0 is outside the supported range >=2.17.0"},
		{"an unversioned build is inconclusive by default, never a guess",
			VersionSpec{PodsSpec: allMimir, Supported: ">=2.17.0"}, unstamped(t, "3.0.5"),
			verdict.Inconclusive, "", `the build reports version "unknown" (revision -), not a release: cannot tell whether it is within >=2.17.0`},
		{"an unversioned build fails with unknown: fail",
			VersionSpec{PodsSpec: allMimir, Supported: ">=2.17.0", Unknown: UnknownFail}, unstamped(t, "3.0.5"),
			verdict.Fail, "", "refused (unknown: fail)"},
		{"feature detection: per-tenant HA tracker timeouts mean 2.17 or later",
			VersionSpec{PodsSpec: allMimir, Supported: ">=2.17.0", Unknown: UnknownDetect, Detect: haMemberlist}, unstamped(t, "3.0.5"),
			verdict.Pass, "", ""},
		{"feature detection: a build without them fails, naming the probe",
			VersionSpec{PodsSpec: allMimir, Supported: ">=2.17.0", Unknown: UnknownDetect, Detect: haMemberlist}, unstamped(t, "2.9.0"),
			verdict.Fail, "", "config key limits.ha_tracker_failover_timeout present: is absent"},
		{"feature detection by endpoint: prepare-instance-ring-downscale answers on 3.x",
			VersionSpec{PodsSpec: allMimir, Supported: ">=2.14.0", Unknown: UnknownDetect, Detect: downscale}, unstamped(t, "3.0.5"),
			verdict.Pass, "", ""},
		{"feature detection by endpoint: 404 means absent",
			VersionSpec{PodsSpec: allMimir, Supported: ">=2.14.0", Unknown: UnknownDetect, Detect: downscale}, unstamped(t, "2.9.0"),
			verdict.Fail, "", "endpoint /ingester/prepare-instance-ring-downscale present: is absent"},
		{"a 3.0 release candidate is refused by a 2.x-only plan",
			VersionSpec{PodsSpec: allMimir, Supported: ">=2.0.0 <3.0.0"}, reporting("3.0.0-rc.1", "abc1234"),
			verdict.Fail, "", "Mimir 3.0.0-rc.1 is outside the supported range >=2.0.0 <3.0.0"},
		{"a 2.x release candidate is within a 2.x-only plan",
			VersionSpec{PodsSpec: allMimir, Supported: ">=2.0.0 <3.0.0"}, reporting("2.17.0-rc.1", "abc1234"),
			verdict.Pass, "1/1 pods run a supported version", ""},
		{"a release candidate of the lower bound is below it",
			VersionSpec{PodsSpec: allMimir, Supported: ">=2.17.0"}, reporting("2.17.0-rc.0", "abc1234"),
			verdict.Fail, "", "Mimir 2.17.0-rc.0 is outside the supported range >=2.17.0"},
		{"a v prefix is read as the version",
			VersionSpec{PodsSpec: allMimir, Supported: ">=2.17.0"}, reporting("v2.17.1", "abc1234"),
			verdict.Pass, "1/1 pods run a supported version", ""},
		{"a weekly build is no release: inconclusive, naming version and revision",
			VersionSpec{PodsSpec: allMimir, Supported: ">=2.17.0"}, reporting("r311-6b8d6b3", "6b8d6b3"),
			verdict.Inconclusive, "", `the build reports version "r311-6b8d6b3" (revision 6b8d6b3), not a release: cannot tell whether it is within >=2.17.0; set unknown: detect`},
		{"a pod without build info is inconclusive",
			VersionSpec{PodsSpec: allMimir, Supported: ">=2.0.0"},
			func(t *testing.T) []gatetest.Pod {
				return []gatetest.Pod{mimirPod("x-0", "x", gatetest.FakeMimir(t, map[string]gatetest.Route{}))}
			},
			verdict.Inconclusive, "", "endpoint not served"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := NewVersionGate(tt.spec, gatetest.FakeCluster(t, time.Now(), tt.pods(t)...))
			if err != nil {
				t.Fatal(err)
			}
			obs := g.Evaluate(context.Background())
			gatetest.AssertObservation(t, obs, tt.want, tt.wantSummary, tt.wantDetail)
		})
	}
}

func TestVersionSpecValidateNamesTheField(t *testing.T) {
	tests := []struct {
		spec VersionSpec
		want string
	}{
		{VersionSpec{PodsSpec: allMimir}, "supported: empty version range"},
		{VersionSpec{PodsSpec: allMimir, Supported: "2.y"}, `supported: version range "2.y"`},
		{VersionSpec{PodsSpec: allMimir, Supported: ">=2.0.0", Unknown: "guess"}, `unknown: "guess" is not inconclusive, fail or detect`},
		{VersionSpec{PodsSpec: allMimir, Supported: ">=2.0.0", Unknown: UnknownDetect}, "detect: unknown: detect needs at least one probe"},
		{VersionSpec{PodsSpec: allMimir, Supported: ">=2.0.0", Detect: []FeatureProbe{{Path: "/x", Expect: "present"}}}, "detect: probes are only used with unknown: detect"},
		{VersionSpec{PodsSpec: allMimir, Supported: ">=2.0.0", Unknown: UnknownDetect, Detect: []FeatureProbe{{Expect: "present"}}}, "detect[0]: give path or configKey"},
		{VersionSpec{PodsSpec: allMimir, Supported: ">=2.0.0", Unknown: UnknownDetect, Detect: []FeatureProbe{{Path: "x", Expect: "yes"}}}, `detect[0].expect: "yes" is not present or absent`},
		{VersionSpec{Supported: ">=2.0.0"}, "pods: pod selector needs labels or names"},
	}
	for _, tt := range tests {
		if err := tt.spec.Validate(); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Validate(%+v) = %v, want %q", tt.spec, err, tt.want)
		}
	}
}
