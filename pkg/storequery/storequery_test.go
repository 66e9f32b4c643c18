package storequery

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mimirctl/mimirctl/pkg/gate/gatetest"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
	"github.com/mimirctl/mimirctl/pkg/verdict"
)

var now = time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)

func readSpec() Spec {
	return Spec{Pods: podaccess.Selector{Labels: "name=mimir-read"}, Tenant: "team-a"}
}

func evaluate(t *testing.T, spec Spec, pods ...gatetest.Pod) verdict.Observation {
	t.Helper()
	g, err := New(spec, gatetest.FakeCluster(t, now, pods...))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return g.Evaluate(ctx)
}

// Mimir's defaults: ingesters answer the last 13h, the store anything older
// than 12h; the fake holds samples from 20h to 14h ago.
func defaultsWithLongTermData() *fakeQuerier {
	return &fakeQuerier{queryStoreAfter: "12h0m0s", queryIngestersWithin: "13h",
		names: []string{"up", "cortex_build_info"}, heldFrom: now.Add(-20 * time.Hour), heldTo: now.Add(-14 * time.Hour)}
}

func TestPassesWithSamplesOfARangeOlderThanBothSettings(t *testing.T) {
	for _, tc := range []struct {
		name     string
		qsa, qiw string
		key      string
		newest   time.Duration // the range must end at least this long ago
	}{
		{"query_ingesters_within larger (Mimir defaults)", "12h0m0s", "13h", "", 13*time.Hour + DefaultMargin},
		{"query_store_after larger", "15h0m0s", "13h", "", 15*time.Hour + DefaultMargin},
		{"query_ingesters_within under querier (older Mimir)", "12h0m0s", "13h0m0s", "querier", 13*time.Hour + DefaultMargin},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := defaultsWithLongTermData()
			f.queryStoreAfter, f.queryIngestersWithin, f.queryIngestersWithinKey = tc.qsa, tc.qiw, tc.key
			f.heldFrom, f.heldTo = now.Add(-tc.newest-6*time.Hour), now.Add(-tc.newest-10*time.Minute)
			obs := evaluate(t, readSpec(), readPod("mimir-read-0", f.serve(t)))
			if obs.Verdict != verdict.Pass {
				t.Fatalf("verdict %s, want pass: %s", obs.Verdict, obs)
			}
			reqs := f.requests()
			if len(reqs) < 2 {
				t.Fatalf("the gate asked %d requests, want label values then query_range: %+v", len(reqs), reqs)
			}
			for _, r := range reqs {
				if r.end.IsZero() || r.end.After(now.Add(-tc.newest)) {
					t.Errorf("%s ends at %s, less than %s before now (%s): ingesters could answer it", r.path, r.end, tc.newest, now)
				}
				if got := r.end.Sub(r.start); got != DefaultWindow {
					t.Errorf("%s covers %s, want %s", r.path, got, DefaultWindow)
				}
			}
			if reqs[0].path != "/prometheus/api/v1/label/__name__/values" || reqs[1].query != `count({__name__="up"})` {
				t.Errorf("requests %+v, want the label values of __name__ then count() of the first name", reqs)
			}
			if !strings.Contains(obs.String(), "samples of count({__name__=\"up\"})") {
				t.Errorf("observation does not say what answered samples: %s", obs)
			}
		})
	}
}

func TestSendsTheTenant(t *testing.T) {
	f := defaultsWithLongTermData()
	evaluate(t, readSpec(), readPod("mimir-read-0", f.serve(t)))
	for _, tenant := range f.tenants {
		if tenant != "team-a" {
			t.Fatalf("X-Scope-OrgID %q, want team-a", tenant)
		}
	}
}

func TestInconclusiveWithoutLongTermData(t *testing.T) {
	// A young cluster: samples only within the last hour, which the
	// ingesters answer.
	f := defaultsWithLongTermData()
	f.heldFrom, f.heldTo = now.Add(-time.Hour), now
	obs := evaluate(t, readSpec(), readPod("mimir-read-0", f.serve(t)))
	if obs.Verdict != verdict.Inconclusive {
		t.Fatalf("verdict %s, want inconclusive: %s", obs.Verdict, obs)
	}
	if s := obs.String(); !strings.Contains(s, "no series older than 13h1m0s") || !strings.Contains(s, "no long-term data yet") {
		t.Errorf("observation does not say there is no long-term data: %s", s)
	}
}

func TestInconclusiveWhenNoNameAnswersSamples(t *testing.T) {
	f := defaultsWithLongTermData()
	f.empty = map[string]bool{"up": true, "cortex_build_info": true}
	obs := evaluate(t, readSpec(), readPod("mimir-read-0", f.serve(t)))
	if obs.Verdict != verdict.Inconclusive || !strings.Contains(obs.String(), "answered none") {
		t.Fatalf("verdict %s, want inconclusive saying no sample came back: %s", obs.Verdict, obs)
	}
	// Every name found is tried before giving up, and the next one passes.
	f.empty = map[string]bool{"up": true}
	if obs := evaluate(t, readSpec(), readPod("mimir-read-0", f.serve(t))); obs.Verdict != verdict.Pass {
		t.Fatalf("the second name holds samples: verdict %s: %s", obs.Verdict, obs)
	}
}

func TestExplicitQueryIsQueriedAsGiven(t *testing.T) {
	f := defaultsWithLongTermData()
	spec := readSpec()
	spec.Query = `sum(rate(up[5m]))`
	obs := evaluate(t, spec, readPod("mimir-read-0", f.serve(t)))
	if obs.Verdict != verdict.Pass {
		t.Fatalf("verdict %s, want pass: %s", obs.Verdict, obs)
	}
	reqs := f.requests()
	if len(reqs) != 1 || reqs[0].path != "/prometheus/api/v1/query_range" || reqs[0].query != spec.Query {
		t.Errorf("requests %+v, want one query_range of %s", reqs, spec.Query)
	}
	f.empty = nil
	f.heldFrom, f.heldTo = now.Add(-time.Hour), now
	if obs := evaluate(t, spec, readPod("mimir-read-0", f.serve(t))); obs.Verdict != verdict.Inconclusive {
		t.Fatalf("no samples in the range: verdict %s, want inconclusive: %s", obs.Verdict, obs)
	}
}

func TestInconclusiveWhenPodsOrSettingsCannotBeRead(t *testing.T) {
	t.Run("pod not running", func(t *testing.T) {
		f := defaultsWithLongTermData()
		spec := readSpec()
		spec.Queriers = podaccess.Selector{Labels: "name=querier"}
		querier := gatetest.Pod{Name: "querier-0", Labels: map[string]string{"name": "querier"}, Server: f.serve(t)}
		obs := evaluate(t, spec, querier, readPod("mimir-read-0", f.serve(t)), readPod("mimir-read-1", nil))
		if obs.Verdict != verdict.Inconclusive || !strings.Contains(obs.String(), "mimir-read-1: not running") {
			t.Fatalf("verdict %s, want inconclusive naming mimir-read-1: %s", obs.Verdict, obs)
		}
	})
	t.Run("no pod", func(t *testing.T) {
		if obs := evaluate(t, readSpec()); obs.Verdict != verdict.Inconclusive {
			t.Fatalf("verdict %s, want inconclusive: %s", obs.Verdict, obs)
		}
	})
	t.Run("query API unavailable", func(t *testing.T) {
		f := defaultsWithLongTermData()
		f.status = http.StatusServiceUnavailable
		obs := evaluate(t, readSpec(), readPod("mimir-read-0", f.serve(t)))
		if obs.Verdict != verdict.Inconclusive || !strings.Contains(obs.String(), "status 503") {
			t.Fatalf("verdict %s, want inconclusive with the 503: %s", obs.Verdict, obs)
		}
	})
	t.Run("settings absent from /config", func(t *testing.T) {
		f := defaultsWithLongTermData()
		f.queryIngestersWithin = ""
		f.queryIngestersWithinKey = "ingester"
		obs := evaluate(t, readSpec(), readPod("mimir-read-0", f.serve(t)))
		if obs.Verdict != verdict.Inconclusive || !strings.Contains(obs.String(), "query_ingesters_within") {
			t.Fatalf("verdict %s, want inconclusive naming query_ingesters_within: %s", obs.Verdict, obs)
		}
		if len(f.requests()) != 0 {
			t.Errorf("queried without knowing the settings: %+v", f.requests())
		}
	})
}

func TestRangeEndsBeforeTheLargestSettingOfAllQueriers(t *testing.T) {
	short := defaultsWithLongTermData()
	short.queryStoreAfter, short.queryIngestersWithin = "1m0s", "6m"
	long := defaultsWithLongTermData()
	long.queryStoreAfter, long.queryIngestersWithin = "12h0m0s", "13h"
	spec := readSpec()
	spec.Queriers = podaccess.Selector{Labels: "name in (querier, mimir-read)"}
	obs := evaluate(t, spec, readPod("mimir-read-0", short.serve(t)),
		gatetest.Pod{Name: "querier-0", Labels: map[string]string{"name": "querier"}, Server: long.serve(t)})
	if obs.Verdict != verdict.Pass {
		t.Fatalf("verdict %s, want pass: %s", obs.Verdict, obs)
	}
	for _, r := range short.requests() {
		if r.end.After(now.Add(-13*time.Hour - DefaultMargin)) {
			t.Errorf("%s ends at %s: querier-0 asks its ingesters for the last 13h", r.path, r.end)
		}
	}
	if !strings.Contains(strings.Join(obs.Details, "\n"), "query_ingesters_within 13h0m0s [querier-0") {
		t.Errorf("details do not name the pod holding the largest setting: %v", obs.Details)
	}
}

func TestTenantOverrideOfQueryIngestersWithinCounts(t *testing.T) {
	f := defaultsWithLongTermData()
	f.runtimeConfig = "overrides:\n    team-a:\n        query_ingesters_within: 20h\n    team-b:\n        query_ingesters_within: 40h\n"
	f.heldFrom, f.heldTo = now.Add(-30*time.Hour), now.Add(-20*time.Hour-30*time.Minute)
	obs := evaluate(t, readSpec(), readPod("mimir-read-0", f.serve(t)))
	if obs.Verdict != verdict.Pass {
		t.Fatalf("verdict %s, want pass: %s", obs.Verdict, obs)
	}
	for _, r := range f.requests() {
		if r.end.After(now.Add(-20*time.Hour - DefaultMargin)) {
			t.Errorf("%s ends at %s: the ingesters answer team-a for the last 20h", r.path, r.end)
		}
		if r.end.Before(now.Add(-21 * time.Hour)) {
			t.Errorf("%s ends at %s: team-b's override applied to team-a", r.path, r.end)
		}
	}
	if !strings.Contains(strings.Join(obs.Details, "\n"), "the tenant's query_ingesters_within 20h0m0s [mimir-read-0]") {
		t.Errorf("details do not show the override: %v", obs.Details)
	}
}

func TestRangeFor(t *testing.T) {
	r := RangeFor(now.Add(1500*time.Millisecond), 13*time.Hour, time.Minute, time.Hour)
	if want := now.Add(-13*time.Hour - time.Minute + time.Second); !r.End.Equal(want) {
		t.Errorf("end %s, want %s (rounded down to the second)", r.End, want)
	}
	if r.End.Sub(r.Start) != time.Hour || r.Step != time.Minute {
		t.Errorf("range %s step %s, want 1h in 1m steps", r, r.Step)
	}
	if r := RangeFor(now, time.Minute, 0, 10*time.Second); r.Step != time.Second {
		t.Errorf("step %s, want at least 1s", r.Step)
	}
}

func TestValidate(t *testing.T) {
	if err := (Spec{Pods: podaccess.Selector{Labels: "name=mimir-read"}}).Validate(); err == nil || !strings.Contains(err.Error(), "tenant") {
		t.Errorf("missing tenant: %v", err)
	}
	s := readSpec()
	s.PathPrefix = "prometheus"
	if err := s.Validate(); err == nil || !strings.Contains(err.Error(), "pathPrefix") {
		t.Errorf("relative prefix: %v", err)
	}
}
