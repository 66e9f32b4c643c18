package mimirapi

import (
	"testing"

	"github.com/mimirctl/mimirctl/pkg/gate/gatetest"
)

func TestStepFileSnippets(t *testing.T) {
	gatetest.TestSnippets(t, []gatetest.Snippet{
		{"preflight of the read-write plans", `
pods: {labels: "gossip_ring_member=true"}
supported: ">=2.0.0 <3.0.0"
reason: read-write mode was removed in Mimir 3.0; migrate back to microservices on 2.x before upgrading
unknown: detect
detect:
  - {configKey: frontend.querier_forget_delay, expect: present}
`, &VersionSpec{}, `version: pods matching "gossip_ring_member=true" run Mimir >=2.0.0 <3.0.0; unversioned builds by feature detection`},
		{"preflight of the HA tracker migration to memberlist", `
pods: {labels: "name=distributor"}
supported: ">=2.17.0"
reason: memberlist is stable for the HA tracker since Mimir 2.17
`, &VersionSpec{}, `version: pods matching "name=distributor" run Mimir >=2.17.0`},
		{"mimir-write pods are ready", `
pods: {labels: "rollout-group=mimir-write"}
minPods: 3
`, &ReadySpec{}, `ready: pods matching "rollout-group=mimir-write" (at least 3) answer /ready with 200`},
		{"the runtime config made memberlist the primary store", `
pods: {labels: "name=distributor"}
source: runtimeConfig
key: multi_kv_config.primary
equals: memberlist
`, &ConfigSpec{}, `runtimeConfig: multi_kv_config.primary = memberlist on pods matching "name=distributor"`},
	})
}

func TestSpecValidationMessagesNameTheField(t *testing.T) {
	gatetest.TestInvalid(t, []gatetest.Invalid{
		{"config: a key is required", &ConfigSpec{PodsSpec: distributors, Equals: strp("x")}, "key: missing"},
		{"config: equals or present", &ConfigSpec{PodsSpec: distributors, Key: "a"}, "equals or present: give one"},
		{"config: known sources", &ConfigSpec{PodsSpec: distributors, Key: "a", Present: boolp(true), Source: "overrides"}, `source: "overrides" is not config or runtimeConfig`},
		{"ready: pods are required", &ReadySpec{}, "pods: pod selector needs labels or names"},
		{"ready: minPods is not negative", &ReadySpec{PodsSpec{Pods: distributors.Pods, MinPods: -2}}, "minPods: must not be negative"},
	})
}
