package ringcheck

import (
	"strings"
	"testing"

	"github.com/mimirctl/mimirctl/pkg/podaccess"
)

func TestSpecValidateNamesTheField(t *testing.T) {
	pods := podaccess.Selector{Labels: "name=distributor"}
	ok := []Expectation{{State: StateActive}}
	tests := []struct {
		name    string
		spec    Spec
		wantErr string
	}{
		{"a ring name or path is required", Spec{Pods: pods, Expect: ok}, "ring: missing"},
		{"an unknown ring name lists the known ones", Spec{Ring: "ingesters", Pods: pods, Expect: ok}, "ring: unknown ring \"ingesters\" (known: alertmanager, compactor"},
		{"a path must be absolute", Spec{Path: "ingester/ring", Pods: pods, Expect: ok}, "path: \"ingester/ring\" must start with /"},
		{"pods must select something", Spec{Ring: "ingester", Expect: ok}, "pods: pod selector needs labels or names"},
		{"expectations are required", Spec{Ring: "ingester", Pods: pods}, "expect: missing"},
		{"an expectation must check something", Spec{Ring: "ingester", Pods: pods, Expect: []Expectation{{Members: "a"}}}, "expect[0]: the expectation checks nothing"},
		{"members must be a regular expression", Spec{Ring: "ingester", Pods: pods, Expect: []Expectation{{Members: "a(", State: StateActive}}}, "expect[0]: members: \"a(\" is not a regular expression"},
		{"members and workload exclude each other", Spec{Ring: "ingester", Pods: pods, Expect: []Expectation{{Members: "a", Workload: "b", Joined: true}}}, "members and workload: give one of them"},
		{"states are spelled as on the ring page", Spec{Ring: "ingester", Pods: pods, Expect: []Expectation{{State: "Active"}}}, "state: unknown state \"Active\""},
		{"notIn states are spelled as on the ring page", Spec{Ring: "ingester", Pods: pods, Expect: []Expectation{{NotIn: []string{"leaving"}}}}, "notIn: unknown state \"leaving\""},
		{"left members cannot have counts", Spec{Ring: "ingester", Pods: pods, Expect: []Expectation{{Left: true, Min: intp(1)}}}, "absent/left: members that must be gone"},
		{"count excludes min and max", Spec{Ring: "ingester", Pods: pods, Expect: []Expectation{{Count: intp(3), Min: intp(1)}}}, "count: give count alone"},
		{"min must not exceed max", Spec{Ring: "ingester", Pods: pods, Expect: []Expectation{{Min: intp(3), Max: intp(1)}}}, "min 3 is greater than max 1"},
		{"per-zone bounds need a number", Spec{Ring: "ingester", Pods: pods, Expect: []Expectation{{PerZone: &ZoneBounds{Zones: []string{"zone-a"}}}}}, "perZone: give count, min or max"},
		{"negative counts are refused", Spec{Ring: "ingester", Pods: pods, Expect: []Expectation{{Min: intp(-1)}}}, "min: must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.spec.Validate()
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Validate() = %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestDescribe(t *testing.T) {
	tests := []struct {
		name string
		spec Spec
		want string
	}{
		{
			name: "the brief's example reads as written",
			spec: Spec{Ring: "ingester", Expect: []Expectation{{Members: "mimir-write-zone-.*", Min: intp(3), State: StateActive}}},
			want: "ring ingester: members /mimir-write-zone-.*/ ≥ 3, all ACTIVE",
		},
		{
			name: "joined and left workloads",
			spec: Spec{Ring: "ingester", Expect: []Expectation{{Workload: "mimir-write-zone-a", Joined: true, Count: intp(3)}, {Workload: "ingester-zone-a", Left: true}}},
			want: "ring ingester: workload mimir-write-zone-a members = 3, all ACTIVE and healthy; workload ingester-zone-a members absent",
		},
		{
			name: "transitional states, zones and read-only",
			spec: Spec{Path: "/custom/ring", Expect: []Expectation{
				{NotIn: []string{StateLeaving, StateJoining, StatePending}},
				{Zone: "zone-b", ReadOnly: boolp(true), PerZone: &ZoneBounds{Zones: []string{"zone-b"}, Min: intp(1), Max: intp(4)}},
			}},
			want: "ring /custom/ring: members none LEAVING/JOINING/PENDING; members in zone-b all read-only, in each of zone-b 1..4",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.spec.Describe(); got != tt.want {
				t.Errorf("Describe() = %q, want %q", got, tt.want)
			}
		})
	}
}
