package workloads

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/mimirctl/mimirctl/pkg/internal/testkit"
)

func TestRouteServiceRefusesASelectorWithoutReadyPods(t *testing.T) {
	gw := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "gateway-write", Namespace: "mimir"},
		Spec: corev1.ServiceSpec{Selector: map[string]string{"name": "distributor"}}}
	cs := fake.NewClientset(gw,
		testkit.Pod("distributor-1", testkit.Label("name", "distributor")),
		testkit.Pod("mimir-write-zone-a-0", testkit.Label("name", "mimir-write-zone-a"), testkit.Label("rollout-group", "mimir-write"), testkit.Ready(false)),
	)
	route := func(sel map[string]string) error {
		a := NewRouteService(&RouteServiceSpec{Service: "gateway-write", Selector: sel}, Deps{Kube: cs, Namespace: "mimir"})
		return a.Apply(context.Background(), &testkit.Progress{})
	}
	selector := func() map[string]string {
		svc, err := cs.CoreV1().Services("mimir").Get(context.Background(), "gateway-write", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return svc.Spec.Selector
	}

	// A selector that matches no pod, as {name: mimir-write} does for zone
	// StatefulSets, and one whose pods are not ready: the Service stays.
	for _, sel := range []map[string]string{{"name": "mimir-write"}, {"rollout-group": "mimir-write"}} {
		err := route(sel)
		if err == nil || !strings.Contains(err.Error(), "no ready pod matches") || !strings.Contains(err.Error(), "left as it is") {
			t.Errorf("route to %v: %v", sel, err)
		}
		if got := selector(); got["name"] != "distributor" || len(got) != 1 {
			t.Errorf("route to %v changed the Service: %v", sel, got)
		}
	}

	if _, err := cs.CoreV1().Pods("mimir").UpdateStatus(context.Background(),
		testkit.Pod("mimir-write-zone-a-0", testkit.Label("name", "mimir-write-zone-a"), testkit.Label("rollout-group", "mimir-write"), testkit.Ready(true)), metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := route(map[string]string{"rollout-group": "mimir-write"}); err != nil {
		t.Fatalf("route to ready pods: %v", err)
	}
	if got := selector(); got["rollout-group"] != "mimir-write" {
		t.Errorf("selector after routing: %v", got)
	}
}
