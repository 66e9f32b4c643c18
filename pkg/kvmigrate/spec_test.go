package kvmigrate

import (
	"testing"

	"github.com/mimirctl/mimirctl/pkg/gate/gatetest"
)

func TestStepFileSnippets(t *testing.T) {
	gatetest.TestSnippets(t, []gatetest.Snippet{
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
	})
}

func TestSpecValidationMessagesNameTheField(t *testing.T) {
	gatetest.TestInvalid(t, []gatetest.Invalid{
		{"memberlist: something to check", &MemberlistSpec{PodsSpec: distributors}, "the gate checks nothing"},
		{"memberlist: key patterns are regular expressions", &MemberlistSpec{PodsSpec: distributors, Keys: []string{"("}}, `keys[0]: "(" is not a regular expression`},
		{"memberlist: members alone", &MemberlistSpec{PodsSpec: distributors, Members: intp(3), MinMembers: intp(1)}, "members: give members alone"},
		{"ha tracker: cluster patterns are regular expressions", &HATrackerSpec{PodsSpec: distributors, Clusters: "["}, `clusters: "[" is not a regular expression`},
	})
}
