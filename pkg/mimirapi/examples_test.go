package mimirapi

import (
	"testing"

	"github.com/mimirctl/mimirctl/pkg/gate/gatetest"
)

func TestStepFileSnippets(t *testing.T) {
	gatetest.TestSnippets(t, []gatetest.Snippet{
		{Name: "preflight of the read-write plans", Src: `
pods: {labels: "gossip_ring_member=true"}
supported: ">=2.0.0 <3.0.0"
reason: read-write mode was removed in Mimir 3.0; migrate back to microservices on 2.x before upgrading
unknown: detect
detect:
  - {configKey: frontend.querier_forget_delay, expect: present}
`, Into: &VersionSpec{}, Describe: `version: pods matching "gossip_ring_member=true" run Mimir >=2.0.0 <3.0.0; unversioned builds by feature detection`},
		{Name: "preflight of the HA tracker migration to memberlist", Src: `
pods: {labels: "name=distributor"}
supported: ">=2.17.0"
reason: memberlist is stable for the HA tracker since Mimir 2.17
`, Into: &VersionSpec{}, Describe: `version: pods matching "name=distributor" run Mimir >=2.17.0`},
		{Name: "mimir-write pods are ready", Src: `
pods: {labels: "rollout-group=mimir-write"}
minPods: 3
`, Into: &ReadySpec{}, Describe: `ready: pods matching "rollout-group=mimir-write" (at least 3) answer /ready with 200`},
		{Name: "the runtime config made memberlist the primary store", Src: `
pods: {labels: "name=distributor"}
source: runtimeConfig
key: multi_kv_config.primary
equals: memberlist
`, Into: &ConfigSpec{}, Describe: `runtimeConfig: multi_kv_config.primary = memberlist on pods matching "name=distributor"`},
	})
}

func TestSpecValidationMessagesNameTheField(t *testing.T) {
	gatetest.TestInvalid(t, []gatetest.Invalid{
		{Name: "config: a key is required", Spec: &ConfigSpec{PodsSpec: distributors, Equals: strp("x")}, Want: "key: missing"},
		{Name: "config: equals or present", Spec: &ConfigSpec{PodsSpec: distributors, Key: "a"}, Want: "equals or present: give one"},
		{Name: "config: known sources", Spec: &ConfigSpec{PodsSpec: distributors, Key: "a", Present: boolp(true), Source: "overrides"}, Want: `source: "overrides" is not config or runtimeConfig`},
		{Name: "ready: pods are required", Spec: &ReadySpec{}, Want: "pods: pod selector needs labels or names"},
		{Name: "ready: minPods is not negative", Spec: &ReadySpec{PodsSpec{Pods: distributors.Pods, MinPods: -2}}, Want: "minPods: must not be negative"},
	})
}
