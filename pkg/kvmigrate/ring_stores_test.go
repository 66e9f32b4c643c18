package kvmigrate

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/mimirctl/mimirctl/pkg/gate/gatetest"
	"github.com/mimirctl/mimirctl/pkg/mimir"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
)

// consulRings is a /config whose ingester and distributor rings run
// Consul, the compactor's memberlist, and the HA tracker etcd.
const consulRings = `
distributor:
    ha_tracker:
        kvstore: {store: etcd}
    ring:
        kvstore: {store: consul, multi: {primary: "", secondary: ""}}
ingester:
    ring:
        kvstore: {store: consul}
compactor:
    sharding_ring:
        kvstore: {store: memberlist}
`

func TestRequireRingStores(t *testing.T) {
	pod := func(name, config string) func(t *testing.T) gatetest.Pod {
		return func(t *testing.T) gatetest.Pod {
			var routes map[string]gatetest.Route
			if config != "" {
				routes = map[string]gatetest.Route{mimir.PathConfig: {Body: config}}
			}
			return gatetest.Pod{Name: name, Labels: map[string]string{"app": "mimir"}, Server: gatetest.FakeMimir(t, routes)}
		}
	}
	spec := func(rings ...string) RingStoresSpec {
		return RingStoresSpec{Pods: podaccess.Selector{Labels: "app=mimir"}, Store: Consul, Rings: rings}
	}
	tests := []struct {
		name string
		spec RingStoresSpec
		pods gatetest.PodsFn
		want []string // in the error, in order; none: no error
	}{
		{"exactly the rings on consul", spec("ingester.ring", "distributor.ring"),
			gatetest.Pods(pod("ingester-0", consulRings), pod("distributor-0", consulRings)), nil},
		{"a listed ring on memberlist", spec("ingester.ring", "distributor.ring", "compactor.sharding_ring"),
			gatetest.Pods(pod("ingester-0", consulRings), pod("distributor-0", consulRings)),
			[]string{"compactor.sharding_ring runs memberlist, not consul: drop it from the rings (pods distributor-0, ingester-0)", "the step moves exactly the rings", "list the rings your pods run on consul (distributor.ring, ingester.ring;"}},
		{"the hint names the parameter", RingStoresSpec{Pods: podaccess.Selector{Labels: "app=mimir"}, Store: Consul, Rings: []string{"ingester.ring"}, Parameter: "rings"},
			gatetest.Pods(pod("ingester-0", consulRings)),
			[]string{"the pods run distributor.ring, ingester.ring on consul: rerun with -p rings=distributor.ring,ingester.ring (with --allow-plan-change"}},
		{"nothing on the store", RingStoresSpec{Pods: podaccess.Selector{Labels: "app=mimir"}, Store: Etcd, Rings: []string{"ingester.ring"}, Parameter: "rings"},
			gatetest.Pods(pod("ingester-0", consulRings)),
			[]string{"ingester.ring runs consul, not etcd", "no ring of these pods runs etcd alone: there is nothing for this migration to move"}},
		{"a ring on consul not listed", spec("ingester.ring"),
			gatetest.Pods(pod("ingester-0", consulRings)),
			[]string{"distributor.ring runs consul but is not in the rings: add it, or it stays on consul (pods ingester-0)"}},
		{"a ring this Mimir lacks", spec("ingester.ring", "distributor.ring", "querier.ring"),
			gatetest.Pods(pod("ingester-0", consulRings)),
			[]string{"querier.ring is not in the configuration: this Mimir has no such ring; drop it from the rings"}},
		{"a listed ring already on the multi store", spec("ingester.ring", "distributor.ring"),
			gatetest.Pods(pod("ingester-0", multiConfig)),
			[]string{"distributor.ring already runs the multi KV store (consul primary, memberlist secondary, mirroring off), not consul alone"}},
		{"a pod that does not answer", spec("ingester.ring", "distributor.ring"),
			gatetest.Pods(pod("ingester-0", consulRings), pod("ingester-1", "")),
			[]string{"cannot read the rings' stores of ingester-1", "wait until every selected pod is running"}},
		{"no pod selected", RingStoresSpec{Pods: podaccess.Selector{Labels: "app=none"}, Store: Consul, Rings: []string{"ingester.ring"}},
			gatetest.Pods(pod("ingester-0", consulRings)),
			[]string{`found no pods matching "app=none" in namespace`}},
		{"a pod selected by port name that serves no /config is not a Mimir pod", RingStoresSpec{Pods: podaccess.Selector{PortName: podaccess.DefaultPortName}, Store: Consul, Rings: []string{"ingester.ring", "distributor.ring"}},
			gatetest.Pods(pod("mimir-gateway-5d8f7", ""), pod("ingester-0", consulRings)), nil},
		{"no Mimir pod among those selected by port name", RingStoresSpec{Pods: podaccess.Selector{PortName: podaccess.DefaultPortName}, Store: Consul, Rings: []string{"ingester.ring"}},
			gatetest.Pods(pod("mimir-gateway-5d8f7", "")),
			[]string{"none of the pods with a port named http-metrics in namespace mimir serves Mimir's /config"}},
		{"more than three pods are counted", spec("ingester.ring"),
			gatetest.Pods(pod("a-0", consulRings), pod("b-0", consulRings), pod("c-0", consulRings), pod("d-0", consulRings), pod("e-0", consulRings)),
			[]string{"(pods a-0, b-0, c-0 and 2 more)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.spec.Validate(); err != nil {
				t.Fatal(err)
			}
			err := tt.spec.Check(context.Background(), gatetest.FakeCluster(t, time.Now(), tt.pods(t)...))
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("Check() = %v, want nil", err)
				}
				return
			}
			var refused *RefusedError
			if !errors.As(err, &refused) {
				t.Fatalf("Check() = %v, want a *RefusedError", err)
			}
			msg, at := err.Error(), 0
			for _, w := range tt.want {
				i := strings.Index(msg[at:], w)
				if i < 0 {
					t.Fatalf("Check() = %s\nwant, in order: %q", msg, tt.want)
				}
				at += i + len(w)
			}
		})
	}
}

func TestRequireRingStoresValidate(t *testing.T) {
	for src, want := range map[string]string{
		"pods: {labels: a=b}\nstore: zookeeper\nrings: [ingester.ring]\n":             `requireRingStores.store: "zookeeper" is not consul`,
		"pods: {labels: a=b}\nstore: consul\n":                                        "requireRingStores.rings: missing",
		"pods: {labels: a=b}\nstore: consul\nrings: [ingester..ring]\n":               `requireRingStores.rings[0]: "ingester..ring" is not a dotted configuration path`,
		"pods: {labels: a=b}\nstore: consul\nrings: [distributor.ha_tracker]\n":       "is the HA tracker's store, not a ring",
		"pods: {labels: a=b}\nstore: consul\nrings: [ingester.ring, ingester.ring]\n": "requireRingStores.rings[1]: ingester.ring is listed twice",
		"pods: {}\nstore: consul\nrings: [ingester.ring]\n":                           "requireRingStores.pods:",
	} {
		var s RingStoresSpec
		err := decodeLoose(src, &s)
		if err == nil {
			err = s.Validate()
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", src, err, want)
		}
	}
}

// A ring's store set by flag beats the configuration file the step
// changes: refused, naming the workload and the flag; the HA tracker's
// flags are not a ring's.
func TestRequireRingStoresRefusesStoreFlags(t *testing.T) {
	workload := func(kind, name string, args ...any) *unstructured.Unstructured {
		return &unstructured.Unstructured{Object: map[string]any{"kind": kind, "metadata": map[string]any{"name": name},
			"spec": map[string]any{"template": map[string]any{"spec": map[string]any{"containers": []any{map[string]any{"name": "mimir", "args": args}}}}}}}
	}
	spec := RingStoresSpec{Pods: podaccess.Selector{PortName: podaccess.DefaultPortName}, Store: Consul, Rings: []string{"ingester.ring"}}
	ok := []*unstructured.Unstructured{
		workload("Deployment", "mimir-distributor", "-target=distributor", "-config.file=/etc/mimir/mimir.yaml", "-distributor.ha-tracker.store=consul", "-store.max-labels-query-length=1d"),
	}
	if err := spec.CheckRendered(ok); err != nil {
		t.Errorf("no ring store flag: %v", err)
	}
	bad := append(ok, workload("StatefulSet", "mimir-ingester-zone-a", "-target=ingester", "-ingester.ring.store=consul"))
	err := spec.CheckRendered(bad)
	if err == nil || !strings.Contains(err.Error(), "StatefulSet/mimir-ingester-zone-a runs -ingester.ring.store=consul") || !strings.Contains(err.Error(), "from extraArgs into mimir.structuredConfig") {
		t.Errorf("a ring store flag: %v, want it named with the fix", err)
	}
}
