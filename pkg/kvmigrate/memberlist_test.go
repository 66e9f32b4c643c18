package kvmigrate

import (
	"testing"
	"time"

	"github.com/mimirctl/mimirctl/pkg/gate/gatetest"
	"github.com/mimirctl/mimirctl/pkg/mimir"
	"github.com/mimirctl/mimirctl/pkg/verdict"
)

func TestMemberlistGate(t *testing.T) {
	ml2 := map[string]gatetest.Route{mimir.PathMemberlist: capturedPage("mimir-2.9.0/memberlist.json")}
	ml3 := map[string]gatetest.Route{mimir.PathMemberlist: capturedPage("mimir-3.0.5/memberlist.json")}
	noML := map[string]gatetest.Route{mimir.PathMemberlist: {Body: mimir.NoMemberlistBody}}
	tests := []struct {
		name            string
		spec            MemberlistSpec
		pods            gatetest.PodsFn
		want            verdict.Verdict
		summary, detail string
	}{
		{"HA tracker keys are in memberlist on every pod", MemberlistSpec{PodsSpec: distributors, Keys: []string{"ha-tracker/.+"}, Members: intp(2)},
			gatetest.Pods(gatetest.Distributor("d-0", ml3), gatetest.Distributor("d-1", ml3)), verdict.Pass, "2/2 pods match", ""},
		{"no HA tracker key yet on a pod: fail naming the pattern", MemberlistSpec{PodsSpec: distributors, Keys: []string{"collectors/ring", "ha-tracker/.+"}},
			gatetest.Pods(gatetest.Distributor("d-0", ml3), gatetest.Distributor("d-1", ml2)), verdict.Fail, "1/2", "d-1: 4 members, 8 live keys\n  no key matches /ha-tracker/.+/"},
		{"keys that must be gone are listed", MemberlistSpec{PodsSpec: distributors, AbsentKeys: []string{"ha-tracker/.*"}},
			gatetest.Pods(gatetest.Distributor("d-0", ml3)), verdict.Fail, "", "keys matching /ha-tracker/.*/ still present: ha-tracker/tenant-1/prom-ha, ha-tracker/tenant-2/prom-ha"},
		{"too few members are listed by name", MemberlistSpec{PodsSpec: distributors, MinMembers: intp(3)},
			gatetest.Pods(gatetest.Distributor("d-0", ml3)), verdict.Fail, "", "2 members, want ≥ 3: ingester-zone-a-0-087737f8, ingester-zone-b-0-39f10464"},
		{"a pod without memberlist fails", MemberlistSpec{PodsSpec: distributors, Keys: []string{"collectors/ring"}},
			gatetest.Pods(gatetest.Distributor("d-0", noML)), verdict.Fail, "", "instance does not use memberlist"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := NewMemberlistGate(tt.spec, gatetest.FakeCluster(t, time.Now(), tt.pods(t)...))
			if err != nil {
				t.Fatal(err)
			}
			gatetest.AssertObservation(t, gatetest.Evaluate(t, g), tt.want, tt.summary, tt.detail)
		})
	}
}
