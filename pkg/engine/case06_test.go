package engine

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mimirctl/mimirctl/pkg/gate/gatetest"
	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/pkg/verdict"
	"github.com/mimirctl/mimirctl/plans"
)

const case06 = "testdata/cases/06-foreign-memberlist-members"

// case06Pods are the 6 own pods labelled gossip_ring_member=true whose
// members (with memberlist's random suffix) memberlist-merged.json lists.
var case06Pods = []string{
	"distributor-6c9f7d8b4-k2xwq", "distributor-6c9f7d8b4-p8hzn",
	"ingester-zone-a-0", "ingester-zone-b-0", "ingester-zone-c-0",
	"querier-5d7b9c6f8-r4t2m",
}

// TestCase06ForeignMemberlistMembers is shared case 06: a Loki cluster's
// members gossip with Mimir's (same port, a reused pod IP). The
// memberlist-cluster-label plan, which exists to fix that, must get through
// its first two steps (every own pod sees every own pod; the foreign members
// are a warning) and hold its last step until no foreign member is left,
// with or without the old `members` parameter.
func TestCase06ForeignMemberlistMembers(t *testing.T) {
	merged, err := os.ReadFile(filepath.Join(case06, "memberlist-merged.json"))
	if err != nil {
		t.Fatal(err)
	}
	clean := withoutMembers(t, merged, "logs-")
	for _, params := range []map[string]string{
		{"label": "prod-1.mimir"},
		{"label": "prod-1.mimir", "members": "6", "memberPods": "gossip_ring_member=true"}, // params.yaml, as given before
	} {
		p, err := plan.Load(plans.FS, "memberlist-cluster-label", plan.LoadOptions{Registry: Registry(), Params: params})
		if err != nil {
			t.Errorf("load with %v: %v", params, err)
			continue
		}
		t.Run("merged/members="+params["members"], func(t *testing.T) {
			gates := case06Gates(t, p, merged)
			for _, step := range []string{"1-verification-off", "2-set-label"} {
				obs := gates[step].Evaluate(context.Background())
				if obs.Verdict != verdict.Pass {
					t.Errorf("%s: %s, want pass: foreign members are a warning here", step, obs)
				}
				want := "2 members not among the selected pods"
				if !strings.Contains(obs.Summary, "warning: "+want) || len(obs.Details) == 0 ||
					!strings.HasPrefix(obs.Details[0], want) || !strings.Contains(obs.Details[0], "logs-ingester-1-8b7a6c5d, logs-distributor-7f6d5c4b3-xq9lm-2e3f4a5b (suspect)") {
					t.Errorf("%s: the foreign members are not named as a warning: %s", step, obs)
				}
			}
			obs := gates["3-verification-on"].Evaluate(context.Background())
			if obs.Verdict != verdict.Fail || !strings.Contains(strings.Join(obs.Details, "\n"), "2 members not among the selected pods: logs-ingester-1-8b7a6c5d, logs-distributor-") {
				t.Errorf("3-verification-on: %s, want fail naming the foreign members", obs)
			}
		})
		t.Run("label-effective/members="+params["members"], func(t *testing.T) {
			gates := case06Gates(t, p, clean)
			for _, step := range []string{"1-verification-off", "2-set-label", "3-verification-on"} {
				if obs := gates[step].Evaluate(context.Background()); obs.Verdict != verdict.Pass || strings.Contains(obs.Summary, "warning") {
					t.Errorf("%s: %s, want a plain pass", step, obs)
				}
			}
		})
	}
}

// TestCase06OwnPodMissingFromMemberlist checks that counting the selected
// pods still catches a split: a selected pod that another pod does not see,
// whatever the foreign members make the total.
func TestCase06OwnPodMissingFromMemberlist(t *testing.T) {
	merged, err := os.ReadFile(filepath.Join(case06, "memberlist-merged.json"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := plan.Load(plans.FS, "memberlist-cluster-label", plan.LoadOptions{Registry: Registry(), Params: map[string]string{"label": "x"}})
	if err != nil {
		t.Fatal(err)
	}
	// A seventh own pod that nobody sees yet (e.g. a new querier).
	gates := case06Gates(t, p, merged, "querier-5d7b9c6f8-zz9kq")
	obs := gates["1-verification-off"].Evaluate(context.Background())
	if obs.Verdict != verdict.Fail || !strings.Contains(strings.Join(obs.Details, "\n"), "1 of 7 selected pods not alive members: querier-5d7b9c6f8-zz9kq") {
		t.Errorf("got %s, want fail naming the unseen pod", obs)
	}
}

// case06Gates binds the memberlist-whole gate of each step against the case's
// own pods (plus extra ones), each answering /memberlist with page.
func case06Gates(t *testing.T, p *plan.Plan, page []byte, extra ...string) map[string]plan.Gate {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/memberlist" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write(page)
	}))
	t.Cleanup(srv.Close)
	var pods []gatetest.Pod
	for _, n := range append(append([]string(nil), case06Pods...), extra...) {
		pods = append(pods, gatetest.Pod{Name: n, Labels: map[string]string{"gossip_ring_member": "true"}, Server: srv})
	}
	// A pod of the namespace that is no gossip member.
	pods = append(pods, gatetest.Pod{Name: "memcached-0", Labels: map[string]string{"name": "memcached"}, Server: srv})
	gd := gatetest.FakeCluster(t, time.Date(2030, 3, 4, 10, 0, 0, 0, time.UTC), pods...)
	b := NewBinder(Deps{Kube: gd.Kube, Namespace: gd.Namespace, Pods: gd.Pods, Now: gd.Now})
	out := map[string]plan.Gate{}
	for _, s := range p.Steps {
		for _, g := range s.Gates {
			if g.Name != "memberlist-whole" {
				continue
			}
			bound, err := b.BindGate(context.Background(), p, s, g)
			if err != nil {
				t.Fatalf("%s: %v", s.ID, err)
			}
			out[s.ID] = bound
		}
	}
	if len(out) != 3 {
		t.Fatalf("memberlist-whole gates in %d steps, want 3", len(out))
	}
	return out
}

// withoutMembers drops the members whose name starts with prefix from a
// /memberlist page: the page once the cluster label keeps them out.
func withoutMembers(t *testing.T, page []byte, prefix string) []byte {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(page, &doc); err != nil {
		t.Fatal(err)
	}
	var kept []any
	for _, m := range doc["SortedMembers"].([]any) {
		if !strings.HasPrefix(m.(map[string]any)["Name"].(string), prefix) {
			kept = append(kept, m)
		}
	}
	doc["SortedMembers"] = kept
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
