package kvmigrate

import (
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

type spec interface {
	Validate() error
	Describe() string
}

// decodeStrict decodes a step-file snippet as the plan loader does.
func decodeStrict(t *testing.T, src string, into spec) {
	t.Helper()
	dec := yaml.NewDecoder(strings.NewReader(src))
	dec.KnownFields(true)
	if err := dec.Decode(into); err != nil {
		t.Fatalf("decode:\n%s\n%v", src, err)
	}
	if err := into.Validate(); err != nil {
		t.Fatalf("validate:\n%s\n%v", src, err)
	}
}

func TestStepFileSnippets(t *testing.T) {
	tests := []struct {
		name, src string
		into      spec
		describe  string
	}{
		{"HA tracker keys reached memberlist on every distributor", `
pods: {labels: "name=distributor"}
keys: ["ha-tracker/.+"]
minMembers: 3
`, &MemberlistSpec{}, `memberlist on pods matching "name=distributor": keys /ha-tracker/.+/ present, members ≥ 3`},
		{"every distributor sees the same elected replicas", `
pods: {labels: "name=distributor"}
minPods: 2
clusters: "prom-.*"
`, &HATrackerSpec{}, `HA tracker: pods matching "name=distributor" (at least 2) agree on the elected replica of every cluster (tenants /.*/, clusters /prom-.*/)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			decodeStrict(t, tt.src, tt.into)
			if got := tt.into.Describe(); got != tt.describe {
				t.Errorf("Describe()\n got %s\nwant %s", got, tt.describe)
			}
		})
	}
}

func TestSpecValidationMessagesNameTheField(t *testing.T) {
	tests := []struct {
		name string
		s    spec
		want string
	}{
		{"memberlist: something to check", &MemberlistSpec{PodsSpec: distributors}, "the gate checks nothing"},
		{"memberlist: key patterns are regular expressions", &MemberlistSpec{PodsSpec: distributors, Keys: []string{"("}}, `keys[0]: "(" is not a regular expression`},
		{"memberlist: members alone", &MemberlistSpec{PodsSpec: distributors, Members: intp(3), MinMembers: intp(1)}, "members: give members alone"},
		{"ha tracker: cluster patterns are regular expressions", &HATrackerSpec{PodsSpec: distributors, Clusters: "["}, `clusters: "[" is not a regular expression`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.s.Validate(); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Validate() = %v, want %q", err, tt.want)
			}
		})
	}
}
