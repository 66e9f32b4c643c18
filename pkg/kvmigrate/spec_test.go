package kvmigrate

import (
	"testing"

	"github.com/mimirctl/mimirctl/pkg/gate/gatetest"
)

func TestStepFileSnippets(t *testing.T) {
	gatetest.TestSnippets(t, []gatetest.Snippet{
		{Name: "HA tracker keys reached memberlist on every distributor", Src: `
pods: {labels: "name=distributor"}
keys: ["ha-tracker/.+"]
minMembers: 3
`, Into: &MemberlistSpec{}, Describe: `memberlist on pods matching "name=distributor": keys /ha-tracker/.+/ present, members ≥ 3`},
		{Name: "every distributor sees the same elected replicas", Src: `
pods: {labels: "name=distributor"}
minPods: 2
clusters: "prom-.*"
`, Into: &HATrackerSpec{}, Describe: `HA tracker: pods matching "name=distributor" (at least 2) agree on the elected replica of every cluster (tenants /.*/, clusters /prom-.*/)`},
	})
}

func TestSpecValidationMessagesNameTheField(t *testing.T) {
	gatetest.TestInvalid(t, []gatetest.Invalid{
		{Name: "memberlist: something to check", Spec: &MemberlistSpec{PodsSpec: distributors}, Want: "the gate checks nothing"},
		{Name: "memberlist: key patterns are regular expressions", Spec: &MemberlistSpec{PodsSpec: distributors, Keys: []string{"("}}, Want: `keys[0]: "(" is not a regular expression`},
		{Name: "memberlist: members alone", Spec: &MemberlistSpec{PodsSpec: distributors, Members: intp(3), MinMembers: intp(1)}, Want: "members: give members alone"},
		{Name: "ha tracker: cluster patterns are regular expressions", Spec: &HATrackerSpec{PodsSpec: distributors, Clusters: "["}, Want: `clusters: "[" is not a regular expression`},
	})
}
