package podaccess

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/mimirctl/mimirctl/pkg/internal/testkit"
)

func names(pods []corev1.Pod) string {
	var out []string
	for _, p := range pods {
		out = append(out, p.Name)
	}
	return strings.Join(out, ",")
}

// A port name alone selects every pod that declares it, whatever its labels:
// the Mimir pods of a namespace, without Consul or etcd.
func TestListByPortNameAlone(t *testing.T) {
	cs := fake.NewClientset(
		testkit.Pod("overrides-exporter-5b7c8d9e6-q3w4e", testkit.Label("name", "overrides-exporter"), testkit.ContainerPort(DefaultPortName, 8080)),
		testkit.Pod("ingester-zone-a-0", testkit.Label("name", "ingester-zone-a"), testkit.ContainerPort(DefaultPortName, 8080)),
		testkit.Pod("consul-6d4f8-abcde", testkit.Label("name", "consul"), testkit.ContainerPort("http", 8080)),
		testkit.Pod("etcd-0", testkit.Label("name", "etcd")),
	)
	sel := Selector{PortName: DefaultPortName}
	if err := sel.Validate(); err != nil {
		t.Fatal(err)
	}
	got, err := List(context.Background(), cs, "mimir", sel)
	if err != nil {
		t.Fatal(err)
	}
	if n := names(got); n != "ingester-zone-a-0,overrides-exporter-5b7c8d9e6-q3w4e" {
		t.Errorf("selected %s", n)
	}
	if s := sel.String(); s != "pods with a port named http-metrics" {
		t.Errorf("String() = %q", s)
	}
	// With labels, the port name only picks the port: etcd-0 is reached on
	// DefaultPort as before.
	got, err = List(context.Background(), cs, "mimir", Selector{Labels: "name=etcd", PortName: DefaultPortName})
	if err != nil || names(got) != "etcd-0" {
		t.Errorf("labels and portName selected %s (%v), want etcd-0", names(got), err)
	}
	if err := (Selector{}).Validate(); err == nil || !strings.Contains(err.Error(), "needs labels or names") {
		t.Errorf("an empty selector validates: %v", err)
	}
}
