package ringcheck

import (
	"strings"
	"testing"
	"time"

	"github.com/mimirctl/mimirctl/pkg/verdict"
)

func TestExpectations(t *testing.T) {
	leaving2 := captured(t, "2.9.0", "ring-ingester-leaving.json")
	unhealthy2 := captured(t, "2.9.0", "ring-ingester-unhealthy.json")
	active2 := captured(t, "2.9.0", "ring-ingester-active.json")
	readOnly3 := captured(t, "3.0.5", "ring-ingester-read-only.json")
	unhealthy3 := captured(t, "3.0.5", "ring-ingester-unhealthy.json")
	tests := []struct {
		name        string
		ring        *Ring
		expect      Expectation
		hb          time.Duration
		want        verdict.Verdict
		wantDetails []string // each must appear in some detail line, in order
		noDetail    string   // must appear in no detail line
	}{
		{
			name: "all members ACTIVE fails naming exactly the LEAVING and JOINING members with heartbeat ages",
			ring: leaving2, expect: Expectation{Members: "mimir-write-zone-.*", State: StateActive}, want: verdict.Fail,
			wantDetails: []string{"mimir-write-zone-b-0 (zone-b): LEAVING, heartbeat 0s ago (want ACTIVE)", "mimir-write-zone-c-0 (zone-c): JOINING, heartbeat "},
			noDetail:    "mimir-write-zone-a-0",
		},
		{
			name: "no LEAVING/JOINING/PENDING left fails on a 2.9.0 ring in transition",
			ring: leaving2, expect: Expectation{NotIn: []string{StateLeaving, StateJoining, StatePending}}, want: verdict.Fail,
			wantDetails: []string{"mimir-write-zone-b-0", "must not be LEAVING", "mimir-write-zone-c-0", "must not be JOINING"},
		},
		{
			name: "no LEAVING/JOINING/PENDING left passes when every member is ACTIVE",
			ring: active2, expect: Expectation{NotIn: []string{StateLeaving, StateJoining, StatePending}}, want: verdict.Pass,
		},
		{
			name: "a workload whose pods are ACTIVE and healthy has joined",
			ring: active2, expect: Expectation{Workload: "mimir-write-zone-a", Joined: true, Count: intp(1)}, want: verdict.Pass,
		},
		{
			name: "a workload with a LEAVING member has not joined",
			ring: leaving2, expect: Expectation{Workload: "mimir-write-zone-b", Joined: true}, want: verdict.Fail,
			wantDetails: []string{"mimir-write-zone-b-0 (zone-b): LEAVING"},
		},
		{
			name: "a workload with no member in the ring has not joined",
			ring: active2, expect: Expectation{Workload: "mimir-write-zone-c", Joined: true}, want: verdict.Fail,
			wantDetails: []string{"found 0 workload mimir-write-zone-c members, want at least 1"},
		},
		{
			name: "a workload whose member is still LEAVING has not left",
			ring: leaving2, expect: Expectation{Workload: "mimir-write-zone-b", Left: true}, want: verdict.Fail,
			wantDetails: []string{"still in the ring: mimir-write-zone-b-0 (zone-b): LEAVING"},
		},
		{
			name: "a workload has left when none of its pods is in the ring",
			ring: active2, expect: Expectation{Workload: "mimir-write-zone-c", Left: true}, want: verdict.Pass,
		},
		{
			name:   "a LEFT tombstone counts as gone",
			ring:   ring(member("ingester-zone-a-0", "zone-a"), member("ingester-zone-b-0", "zone-b", withState(StateLeft))),
			expect: Expectation{Members: "ingester-zone-b-.*", Absent: true}, want: verdict.Pass,
		},
		{
			name: "healthy fails on a member the 2.9.0 page marks UNHEALTHY",
			ring: unhealthy2, expect: Expectation{Healthy: true}, want: verdict.Fail,
			wantDetails: []string{"mimir-write-zone-b-0 (zone-b): UNHEALTHY"},
			noDetail:    "mimir-write-zone-a-0",
		},
		{
			name: "healthy fails on an ACTIVE member whose heartbeat is older than the gate's timeout",
			ring: unhealthy3, expect: Expectation{Members: "ingester-zone-a-.*", Healthy: true}, hb: 10 * time.Second, want: verdict.Fail,
			wantDetails: []string{"ingester-zone-a-0 (zone-a): ACTIVE, heartbeat 12s ago (heartbeat older than 10s)"},
		},
		{
			name: "healthy passes on the same member with Mimir's default 1m timeout",
			ring: unhealthy3, expect: Expectation{Members: "ingester-zone-a-.*", Healthy: true}, want: verdict.Pass,
		},
		{
			name:        "healthy fails on a member whose heartbeat stopped two minutes ago, even if the page still says ACTIVE",
			ring:        ring(member("ingester-zone-a-0", "zone-a"), member("ingester-zone-a-1", "zone-a", withHeartbeatAge(2*time.Minute))),
			expect:      Expectation{Healthy: true},
			want:        verdict.Fail,
			wantDetails: []string{"ingester-zone-a-1 (zone-a): ACTIVE, heartbeat 2m0s ago (heartbeat older than 1m0s)"},
			noDetail:    "ingester-zone-a-0 ",
		},
		{
			name:   "joined requires ACTIVE and healthy members and says nothing of read-only",
			ring:   ring(member("ingester-zone-b-0", "zone-b", readOnly())),
			expect: Expectation{Workload: "ingester-zone-b", Joined: true},
			want:   verdict.Pass,
		},
		{
			name:        "a member that never heartbeated (epoch timestamp) is not healthy and says so",
			ring:        ring(member("ingester-zone-a-0", "zone-a"), member("ingester-zone-a-1", "zone-a", withState(StatePending), withHeartbeatAge(fixedNow.Sub(time.Unix(0, 0))))),
			expect:      Expectation{Healthy: true},
			want:        verdict.Fail,
			wantDetails: []string{"ingester-zone-a-1 (zone-a): PENDING, never heartbeated (heartbeat older than 1m0s)"},
		},
		{
			name:   "PENDING members are reported by notIn",
			ring:   ring(member("ingester-zone-a-0", "zone-a"), member("ingester-zone-a-1", "zone-a", withState(StatePending))),
			expect: Expectation{NotIn: []string{StatePending}}, want: verdict.Fail,
			wantDetails: []string{"ingester-zone-a-1 (zone-a): PENDING, heartbeat 5s ago (must not be PENDING)"},
		},
		{
			name: "a read-only 3.0.5 member satisfies readOnly: true",
			ring: readOnly3, expect: Expectation{Members: "ingester-zone-b-0", ReadOnly: boolp(true)}, want: verdict.Pass,
		},
		{
			name: "readOnly: false lists the read-only member",
			ring: readOnly3, expect: Expectation{ReadOnly: boolp(false)}, want: verdict.Fail,
			wantDetails: []string{"ingester-zone-b-0 (zone-b): ACTIVE, heartbeat 0s ago, read-only (want not read-only)"},
		},
		{
			name: "per-zone minimum fails for a listed zone without members",
			ring: active2, expect: Expectation{PerZone: &ZoneBounds{Zones: []string{"zone-a", "zone-b", "zone-c"}, Min: intp(1)}}, want: verdict.Fail,
			wantDetails: []string{`zone "zone-c" has 0 members, want ≥ 1`},
		},
		{
			name: "per-zone count holds when every zone has exactly one member",
			ring: active2, expect: Expectation{PerZone: &ZoneBounds{Count: intp(1)}}, want: verdict.Pass,
		},
		{
			name: "a maximum lists the members present",
			ring: active2, expect: Expectation{Max: intp(1)}, want: verdict.Fail,
			wantDetails: []string{"found 2 members, want at most 1", "present: mimir-write-zone-a-0", "present: mimir-write-zone-b-0"},
		},
		{
			name: "a minimum counts only the selected zone",
			ring: active2, expect: Expectation{Zone: "zone-a", Min: intp(2)}, want: verdict.Fail,
			wantDetails: []string{"found 1 members in zone-a, want at least 2"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := compile(tt.expect)
			if err != nil {
				t.Fatal(err)
			}
			hb := tt.hb
			if hb == 0 {
				hb = DefaultHeartbeatTimeout
			}
			obs := m.check(tt.ring, tt.ring.Now, hb, nil)
			if obs.Verdict != tt.want {
				t.Fatalf("verdict %s, want %s: %s", obs.Verdict, tt.want, obs)
			}
			assertDetails(t, obs, tt.wantDetails, tt.noDetail)
		})
	}
}

// assertDetails checks that wants appear in the details in order and that
// noDetail appears in none.
func assertDetails(t *testing.T, obs verdict.Observation, wants []string, noDetail string) {
	t.Helper()
	all := strings.Join(obs.Details, "\n")
	pos := 0
	for _, w := range wants {
		i := strings.Index(all[pos:], w)
		if i < 0 {
			t.Errorf("details lack %q (in order):\n%s", w, all)
			return
		}
		pos += i + len(w)
	}
	if noDetail != "" && strings.Contains(all, noDetail) {
		t.Errorf("details mention %q but must not:\n%s", noDetail, all)
	}
}

func TestWorkloadPatternMatchesStatefulSetAndDeploymentPodsOnly(t *testing.T) {
	m, err := compile(Expectation{Workload: "distributor", Min: intp(0)})
	if err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]bool{
		"distributor-0":                  true,
		"distributor-12":                 true,
		"distributor-7d9f8b6c5d-x2k4p":   true,
		"distributor-zone-a-0":           false,
		"ruler-distributor-0":            false,
		"distributor-7d9f8b6c5d-x2k4p-1": false,
	} {
		if got := m.re.MatchString(id); got != want {
			t.Errorf("workload distributor matches %q = %v, want %v", id, got, want)
		}
	}
}
