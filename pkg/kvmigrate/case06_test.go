package kvmigrate

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/mimirctl/mimirctl/pkg/gate/gatetest"
	"github.com/mimirctl/mimirctl/pkg/mimir"
	"github.com/mimirctl/mimirctl/pkg/mimirapi"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
	"github.com/mimirctl/mimirctl/pkg/verdict"
)

// case06Own are the 6 pods labelled gossip_ring_member=true of shared case
// 06; memberlist-merged.json lists them with memberlist's random suffix,
// plus two members of a Loki cluster (one suspect).
var case06Own = []string{
	"distributor-6c9f7d8b4-k2xwq", "distributor-6c9f7d8b4-p8hzn",
	"ingester-zone-a-0", "ingester-zone-b-0", "ingester-zone-c-0",
	"querier-5d7b9c6f8-r4t2m",
}

var gossipMembers = mimirapi.PodsSpec{Pods: podaccess.Selector{Labels: "gossip_ring_member=true"}}

func case06Cluster(t *testing.T, extra ...string) []gatetest.Pod {
	t.Helper()
	ml := map[string]gatetest.Route{mimir.PathMemberlist: {File: "testdata/cases/06-foreign-memberlist-members/memberlist-merged.json"}}
	var out []gatetest.Pod
	for _, n := range append(append([]string(nil), case06Own...), extra...) {
		out = append(out, gatetest.Pod{Name: n, Labels: map[string]string{"gossip_ring_member": "true"}, Server: gatetest.FakeMimir(t, ml)})
	}
	return out
}

// TestCase06ForeignMemberlistMembers is shared case 06 at the gate: with
// selectedPods, every own pod seeing every own pod passes and names the
// foreign members as a warning; unknownMembers: fail holds the gate until
// they are gone. A count given by hand (members) stays exact.
func TestCase06ForeignMemberlistMembers(t *testing.T) {
	const names = "logs-ingester-1-8b7a6c5d, logs-distributor-7f6d5c4b3-xq9lm-2e3f4a5b (suspect)"
	tests := []struct {
		name            string
		spec            MemberlistSpec
		extra           []string
		want            verdict.Verdict
		summary, detail string
	}{
		{"every own pod sees every own pod: pass with a warning", MemberlistSpec{PodsSpec: gossipMembers, SelectedPods: true},
			nil, verdict.Pass, "6/6 pods match; warning: 2 members not among the selected pods", "2 members not among the selected pods: " + names},
		{"unknownMembers: fail names them", MemberlistSpec{PodsSpec: gossipMembers, SelectedPods: true, UnknownMembers: UnknownMembersFail},
			nil, verdict.Fail, "0/6 pods match", "  2 members not among the selected pods: " + names},
		{"a selected pod nobody sees fails", MemberlistSpec{PodsSpec: gossipMembers, SelectedPods: true},
			[]string{"querier-5d7b9c6f8-zz9kq"}, verdict.Fail, "0/7 pods match", "1 of 7 selected pods not alive members: querier-5d7b9c6f8-zz9kq"},
		{"members is still an exact count of every member", MemberlistSpec{PodsSpec: mimirapi.PodsSpec{Pods: gossipMembers.Pods, MinPods: 6}, Members: intp(6)},
			nil, verdict.Fail, "0/6 pods match", "8 members, want = 6"},
		{"members with selectedPods: both hold", MemberlistSpec{PodsSpec: gossipMembers, SelectedPods: true, MinMembers: intp(6)},
			nil, verdict.Pass, "6/6 pods match; warning", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := NewMemberlistGate(tt.spec, gatetest.FakeCluster(t, time.Now(), case06Cluster(t, tt.extra...)...))
			if err != nil {
				t.Fatal(err)
			}
			gatetest.AssertObservation(t, gatetest.Evaluate(t, g), tt.want, tt.summary, tt.detail)
		})
	}
}

func TestMatchMembersStripsTheRandomSuffixOnly(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "cases", "06-foreign-memberlist-members", "memberlist-merged.json"))
	if err != nil {
		t.Fatal(err)
	}
	st, err := mimirapi.ParseMemberlist(b)
	if err != nil {
		t.Fatal(err)
	}
	unknown, missing := MatchMembers(st.Members, case06Own)
	if len(missing) != 0 || len(unknown) != 2 || unknown[0].Name != "logs-ingester-1-8b7a6c5d" || unknown[1].StateName() != "suspect" {
		t.Errorf("case 06: unknown %v, missing %v", unknown, missing)
	}
	members := []mimirapi.MemberlistMember{
		{Name: "ingester-zone-a-0"},                                                   // -memberlist.randomize-node-name=false
		{Name: "ingester-zone-b-0-0a1b2c3d", State: mimirapi.MemberSuspect},           // seen, but only as suspect
		{Name: "ingester-zone-c-0-xyz"},                                               // not memberlist's suffix
		{Name: "ingester-zone-a-10-0a1b2c3d"},                                         // another pod than ingester-zone-a-1
		{Name: "distributor-6c9f7d8b4-k2xwq-ffffffff"},                                // a Deployment pod
		{Name: "distributor-6c9f7d8b4-k2xwq-0a1b2c3d", State: mimirapi.MemberSuspect}, // its previous incarnation
	}
	unknown, missing = MatchMembers(members, []string{"ingester-zone-a-0", "ingester-zone-a-1", "ingester-zone-b-0", "ingester-zone-c-0", "distributor-6c9f7d8b4-k2xwq"})
	var un []string
	for _, m := range unknown {
		un = append(un, m.Name)
	}
	if want := []string{"ingester-zone-c-0-xyz", "ingester-zone-a-10-0a1b2c3d"}; !reflect.DeepEqual(un, want) {
		t.Errorf("unknown = %v, want %v", un, want)
	}
	if want := []string{"ingester-zone-a-1", "ingester-zone-b-0", "ingester-zone-c-0"}; !reflect.DeepEqual(missing, want) {
		t.Errorf("missing = %v, want %v", missing, want)
	}
}

func TestMemberlistSpecUnknownMembersNeedsSelectedPods(t *testing.T) {
	for spec, want := range map[*MemberlistSpec]string{
		{PodsSpec: gossipMembers, UnknownMembers: UnknownMembersFail}:         "unknownMembers: members are known by the selected pods; add selectedPods: true",
		{PodsSpec: gossipMembers, SelectedPods: true, UnknownMembers: "drop"}: `unknownMembers: "drop" is not warn or fail`,
		{PodsSpec: gossipMembers}: "add keys, absentKeys, selectedPods",
		{PodsSpec: gossipMembers, SelectedPods: true, UnknownMembers: UnknownMembersWarn}: "",
	} {
		err := spec.Validate()
		if (want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), want)) {
			t.Errorf("%+v: err = %v, want %q", *spec, err, want)
		}
	}
}

// TestMemberlistGatePodsOfTheNamespaceOutsideTheSelection: Grafana's chart
// joins Mimir 3's query-frontends to the gossip cluster without its
// memberlist label. Such a member, a pod of the gate's namespace (name and
// address), is listed and not judged, also with unknownMembers: fail; a
// member with the same pod name at another address (a pod of another
// namespace or cluster) stays unknown.
func TestMemberlistGatePodsOfTheNamespaceOutsideTheSelection(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "cases", "06-foreign-memberlist-members", "memberlist-merged.json"))
	if err != nil {
		t.Fatal(err)
	}
	const frontend = "query-frontend-5f6d7c8b9-abcde"
	page := func(addr string) string {
		var p map[string]any
		if err := json.Unmarshal(raw, &p); err != nil {
			t.Fatal(err)
		}
		var members []any
		for _, m := range p["SortedMembers"].([]any) {
			if !strings.HasPrefix(m.(map[string]any)["Name"].(string), "logs-") { // this cluster's members only
				members = append(members, m)
			}
		}
		p["SortedMembers"] = append(members, map[string]any{"Name": frontend + "-0a1b2c3d", "Addr": addr, "Port": 7946, "State": 0})
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	qf := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: frontend, Namespace: gatetest.Namespace},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: "10.20.30.40"}}
	spec := MemberlistSpec{PodsSpec: gossipMembers, SelectedPods: true, UnknownMembers: UnknownMembersFail}
	for _, tt := range []struct {
		name, addr      string
		want            verdict.Verdict
		summary, detail string
	}{
		{"a pod of the namespace: listed, not judged", "10.20.30.40", verdict.Pass, "6/6 pods match",
			"1 members are pods of namespace mimir outside the selection, not judged: " + frontend + "-0a1b2c3d"},
		{"the same name at another address: unknown", "10.99.0.7", verdict.Fail, "0/6 pods match",
			"1 members not among the selected pods: " + frontend + "-0a1b2c3d"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ml := map[string]gatetest.Route{mimir.PathMemberlist: {Body: page(tt.addr)}}
			var pods []gatetest.Pod
			for _, n := range case06Own {
				pods = append(pods, gatetest.Pod{Name: n, Labels: map[string]string{"gossip_ring_member": "true"}, Server: gatetest.FakeMimir(t, ml)})
			}
			g, err := NewMemberlistGate(spec, gatetest.FakeClusterWith(t, time.Now(), []runtime.Object{qf}, pods...))
			if err != nil {
				t.Fatal(err)
			}
			gatetest.AssertObservation(t, gatetest.Evaluate(t, g), tt.want, tt.summary, tt.detail)
		})
	}
}
