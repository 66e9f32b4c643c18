package engine

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"

	"k8s.io/client-go/kubernetes/fake"

	"github.com/mimirctl/mimirctl/pkg/envchange"
	"github.com/mimirctl/mimirctl/pkg/helmenv"
	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
	"github.com/mimirctl/mimirctl/pkg/promgate"
)

// everyKind uses each action and gate kind once, as a step file would.
const everyKind = `
id: every-kind
title: Every kind
actions:
  - jsonnet: {config: {write_replicas: 1}}
  - helmValues: {set: {mimir: {structuredConfig: {memberlist: {cluster_label: prod}}}}}
  - runtimeConfig: {set: {multi_kv_config: {mirror_enabled: true}}, pods: {labels: "gossip_ring_member=true"}}
  - multiKV: {stage: mirror, from: consul, to: memberlist, pods: {labels: "gossip_ring_member=true"}}
  - scale: {kind: StatefulSet, name: ingester-zone-a, replicas: 0}
  - compare: {}
  - pvcCleanup: {match: "ingester-data-ingester-zone-.*"}
  - routeService: {service: mimir-read-gateway, selector: {name: mimir-read}}
  - http: {pods: {labels: name=ingester}, path: /ingester/prepare-shutdown, done: {path: /ingester/prepare-shutdown, bodyMatches: set}}
  - ingesterZoneShutdown:
      statefulSet: ingester-zone-a
      ringPods: {labels: "rollout-group=ingester"}
      config: {querier: {labels: name=querier}, storeGateway: {labels: name=store-gateway}, compactor: {labels: name=compactor}}
  - ingesterHeadCompaction: {pods: {labels: "rollout-group=ingester"}}
  - writeCapacity: {zone: zone-a, replicas: 3}
gates:
  - rollout: {workloads: [{kind: Deployment, name: distributor}]}
  - http: {pods: {labels: name=distributor}, path: /ready}
  - ring: {ring: ingester, pods: {labels: name=distributor}, expect: [{members: "ingester-.*", state: ACTIVE}]}
  - promql: {query: "sum(up)", op: ">", threshold: 0}
  - podMetric: {pods: {labels: name=distributor}, series: cortex_multikv_mirror_enabled, op: "==", threshold: 1}
  - version: {pods: {labels: name=distributor}, supported: ">=2.0.0 <3.0.0"}
  - ready: {pods: {labels: name=distributor}}
  - config: {pods: {labels: name=distributor}, key: distributor.ha_tracker.kvstore.store, equals: memberlist}
  - memberlist: {pods: {labels: name=distributor}, keys: ["ha-tracker/.+"]}
  - haTracker: {pods: {labels: name=distributor}}
  - multiKV: {pods: {labels: "gossip_ring_member=true"}, expect: {primary: memberlist, mirror: false}}
  - storeQuery: {pods: {labels: name=mimir-read}, tenant: anonymous}
`

func TestEveryRegisteredKindLoadsAndBinds(t *testing.T) {
	fsys := fstest.MapFS{"p/plan.yaml": {Data: []byte("name: p\n")}, "p/steps/a.yaml": {Data: []byte(everyKind)}}
	p, err := plan.Load(fsys, "p", plan.LoadOptions{Registry: Registry()})
	if err != nil {
		t.Fatal(err)
	}
	used := map[string]bool{}
	b := NewBinder(Deps{Kube: fake.NewClientset(), Namespace: "mimir", Pods: podaccess.NewDirect(nil),
		Prometheus: promgate.Connection{URL: "http://127.0.0.1:9"}, Options: Options{Env: testEnv(t),
			Helm: &envchange.HelmEnvironment{Env: &helmenv.Environment{Chart: "unused", Release: "mimir", Namespace: "mimir"}}}})
	s := p.Steps[0]
	for _, a := range s.Actions {
		used[a.Kind] = true
		if _, err := b.BindAction(context.Background(), p, s, a); err != nil {
			t.Errorf("bind action %s: %v", a.Kind, err)
		}
	}
	for _, g := range s.Gates {
		used[g.Kind] = true
		if _, err := b.BindGate(context.Background(), p, s, g); err != nil {
			t.Errorf("bind gate %s: %v", g.Kind, err)
		}
	}
	for _, k := range Registry().ActionKinds() {
		if !used[k.Name] {
			t.Errorf("action kind %s is not exercised by this test", k.Name)
		}
	}
	for _, k := range Registry().GateKinds() {
		if !used[k.Name] {
			t.Errorf("gate kind %s is not exercised by this test", k.Name)
		}
	}
}

// A helmValues action without a Helm release asks for one, naming the
// flags.
func TestHelmValuesNeedARelease(t *testing.T) {
	fsys := fstest.MapFS{"p/plan.yaml": {Data: []byte("name: p\n")},
		"p/steps/a.yaml": {Data: []byte("id: a\ntitle: A\nactions:\n  - helmValues: {set: {a: 1}}\n")}}
	p, err := plan.Load(fsys, "p", plan.LoadOptions{Registry: Registry()})
	if err != nil {
		t.Fatal(err)
	}
	_, err = NewBinder(Deps{}).BindAction(context.Background(), p, p.Steps[0], p.Steps[0].Actions[0])
	if err == nil || !strings.Contains(err.Error(), "--chart") || !strings.Contains(err.Error(), "--release") {
		t.Fatalf("err = %v", err)
	}
}

func TestPromQLGatesNeedAPrometheusAddress(t *testing.T) {
	fsys := fstest.MapFS{"p/plan.yaml": {Data: []byte("name: p\n")},
		"p/steps/a.yaml": {Data: []byte("id: a\ntitle: A\ngates:\n  - promql: {query: up, op: '>', threshold: 0}\n")}}
	p, err := plan.Load(fsys, "p", plan.LoadOptions{Registry: Registry()})
	if err != nil {
		t.Fatal(err)
	}
	_, err = NewBinder(Deps{}).BindGate(context.Background(), p, p.Steps[0], p.Steps[0].Gates[0])
	if err == nil || !strings.Contains(err.Error(), "pass --prometheus-url") {
		t.Fatalf("err = %v", err)
	}
}
