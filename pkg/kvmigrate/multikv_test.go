package kvmigrate

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/mimirctl/mimirctl/pkg/gate"
	"github.com/mimirctl/mimirctl/pkg/gate/gatetest"
	"github.com/mimirctl/mimirctl/pkg/mimir"
	"github.com/mimirctl/mimirctl/pkg/mimirapi"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
	"github.com/mimirctl/mimirctl/pkg/verdict"
)

func TestMultiKVActionSnippets(t *testing.T) {
	tests := []struct{ src, describe string }{
		{`
stage: mirror
from: consul
to: memberlist
pods: {labels: "gossip_ring_member=true"}
`, `multi KV stage mirror from consul to memberlist (consul primary, memberlist secondary, mirroring on): runtime config overrides/overrides.yaml: merge {"multi_kv_config":{"mirror_enabled":true,"primary":"consul"}}, served by pods matching "gossip_ring_member=true"`},
		{`
stage: removed
from: etcd
to: memberlist
pods: {labels: "gossip_ring_member=true"}
refuseWhile: {pods: {portName: http-metrics}, series: cortex_multikv_primary_store, means: uses the multi KV store, because: it would switch back to etcd}
`, `multi KV stage removed from etcd to memberlist (no runtime multi KV settings): runtime config overrides/overrides.yaml: merge {"multi_kv_config":null}, served by pods matching "gossip_ring_member=true"; refused while any of pods with a port named http-metrics exposes cortex_multikv_primary_store`},
	}
	for _, tt := range tests {
		var s MultiKVSpec
		gatetest.DecodeStrict(t, tt.src, &s)
		if got := s.Describe(); got != tt.describe {
			t.Errorf("Describe()\n got %s\nwant %s", got, tt.describe)
		}
		if a := NewMultiKV(&s, gate.Deps{Namespace: "mimir"}); a.Spec().RefuseWhile != s.RefuseWhile || len(a.Spec().Set) != 1 {
			t.Errorf("bound action %+v does not carry the stage's document and refusal", a.Spec())
		}
	}
	var bad MultiKVSpec
	bad.Stage, bad.From, bad.To = "mirrored", Consul, Memberlist
	if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), `stage: "mirrored"`) || !strings.Contains(err.Error(), "pods:") {
		t.Errorf("Validate() = %v, want the stage and the pods named", err)
	}
}

// decodeLoose decodes a snippet as the plan loader does, without Validate.
func decodeLoose(src string, into any) error {
	dec := yaml.NewDecoder(strings.NewReader(src))
	dec.KnownFields(true)
	return dec.Decode(into)
}

func TestMultiKVGateSpecExpect(t *testing.T) {
	var none, mapping MultiKVGateSpec
	gatetest.DecodeStrict(t, "pods: {labels: \"gossip_ring_member=true\"}\nexpect: none\n", &none)
	gatetest.DecodeStrict(t, "pods: {labels: \"gossip_ring_member=true\"}\nminPods: 3\nexpect: {primary: memberlist, mirror: false}\n", &mapping)
	if got := none.Describe(); got != `multi KV (rings) on pods matching "gossip_ring_member=true": no multi KV store` {
		t.Errorf("Describe() = %s", got)
	}
	if got := mapping.Describe(); got != `multi KV (rings) on pods matching "gossip_ring_member=true" (at least 3): multi KV store with memberlist primary, mirroring off` {
		t.Errorf("Describe() = %s", got)
	}
	for spec, want := range map[*MultiKVGateSpec]string{&none: `"none"`, &mapping: `{"mirror":false,"primary":"memberlist"}`} {
		if b, err := json.Marshal(spec.Expect); err != nil || string(b) != want {
			t.Errorf("JSON %s, %v; want %s", b, err, want)
		}
	}
	for src, want := range map[string]string{
		"pods: {labels: a=b}\nexpect: all\n":                                 `expect: "all" is not none`,
		"pods: {labels: a=b}\nexpect: {primary: memberlist}\n":               "expect.mirror: missing",
		"pods: {labels: a=b}\nexpect: {primary: zookeeper, mirror: false}\n": `expect.primary: "zookeeper" is not consul, etcd or memberlist`,
		"pods: {labels: a=b}\n":                                              "expect: missing",
		"pods: {labels: a=b}\nkv: ha\nexpect: none\n":                        `kv: "ha" is not rings or haTracker`,
	} {
		var s MultiKVGateSpec
		err := decodeLoose(src, &s)
		if err == nil {
			err = s.Validate()
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", src, err, want)
		}
	}
}

// configPod is a ring pod serving multiConfig and runtime (none when
// empty) on /config and /runtime_config.
func configPod(name, runtime string) func(t *testing.T) gatetest.Pod {
	routes := map[string]gatetest.Route{mimir.PathConfig: {Body: multiConfig}}
	if runtime != "" {
		routes[mimir.PathRuntimeConfig] = gatetest.Route{Body: runtime}
	}
	return func(t *testing.T) gatetest.Pod {
		return gatetest.Pod{Name: name, Labels: map[string]string{"gossip_ring_member": "true"}, Server: gatetest.FakeMimir(t, routes)}
	}
}

func TestMultiKVGate(t *testing.T) {
	ringPods := mimirapi.PodsSpec{Pods: podaccess.Selector{Labels: "gossip_ring_member=true"}}
	expect := func(primary Store, mirror bool) *ExpectSpec {
		return &ExpectSpec{Expect{Primary: primary, Mirror: mirror}}
	}
	switched := "multi_kv_config:\n  primary: memberlist\n  mirror_enabled: true\n"
	tests := []struct {
		name            string
		spec            MultiKVGateSpec
		pods            gatetest.PodsFn
		want            verdict.Verdict
		summary, detail string
	}{
		{"step 1: every ring on the flags' primary", MultiKVGateSpec{PodsSpec: ringPods, Expect: expect(Consul, false)},
			gatetest.Pods(configPod("ingester-0", ""), configPod("distributor-0", "")), verdict.Pass, "2/2 pods match", ""},
		{"step 3: a pod that has not reloaded is named", MultiKVGateSpec{PodsSpec: ringPods, Expect: expect(Memberlist, true)},
			gatetest.Pods(configPod("ingester-0", switched), configPod("distributor-0", "multi_kv_config: {mirror_enabled: true}\n")), verdict.Fail, "1/2",
			"distributor.ring runs consul primary, memberlist secondary, mirroring on, want memberlist primary, mirroring on"},
		{"the HA tracker ignores the runtime override", MultiKVGateSpec{PodsSpec: ringPods, KV: KVHATracker, Expect: expect(Etcd, true)},
			gatetest.Pods(configPod("distributor-0", switched)), verdict.Pass, "1/1 pods match", ""},
		{"none: a multi client left fails", MultiKVGateSpec{PodsSpec: ringPods, Expect: &ExpectSpec{Expect{None: true}}},
			gatetest.Pods(configPod("ingester-0", switched)), verdict.Fail, "0/1", "ingester.ring still runs the multi KV store (memberlist primary, consul secondary, mirroring on)"},
		{"a pod not serving /config is inconclusive", MultiKVGateSpec{PodsSpec: ringPods, Expect: expect(Consul, false)},
			gatetest.Pods(func(t *testing.T) gatetest.Pod {
				return gatetest.Pod{Name: "ingester-0", Labels: map[string]string{"gossip_ring_member": "true"}, Server: gatetest.FakeMimir(t, nil)}
			}), verdict.Inconclusive, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := NewMultiKVGate(tt.spec, gatetest.FakeCluster(t, time.Now(), tt.pods(t)...))
			if err != nil {
				t.Fatal(err)
			}
			gatetest.AssertObservation(t, gatetest.Evaluate(t, g), tt.want, tt.summary, tt.detail)
		})
	}
}
