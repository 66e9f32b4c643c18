package ringcheck

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

func nsPod(name, ip string, phase corev1.PodPhase) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "mimir"}, Status: corev1.PodStatus{Phase: phase, PodIP: ip}}
}

// TestCase06ForeignMemberlistMembers is shared case 06 for rings: the
// ingester ring holds logs-ingester-1, another system's ingester, which is no
// pod of the namespace; the own ingesters are matched to their pods by
// name, or by IP when their instance id was set by hand.
func TestCase06ForeignMemberlistMembers(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "cases", "06-foreign-memberlist-members", "ring-ingester-merged.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	cs := fake.NewClientset(
		nsPod("ingester-zone-a-0", "10.20.30.40", corev1.PodRunning),
		nsPod("ingester-zone-b-0", "", corev1.PodPending),           // restarting: still ours by name
		nsPod("mimir-ingester-c", "10.20.30.42", corev1.PodRunning), // instance id ingester-zone-c-0 set by hand
		&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "logs-ingester-1", Namespace: "logs"}, Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: "10.20.31.7"}},
	)
	foreign, err := ForeignInstances(context.Background(), cs, "mimir", r)
	if err != nil {
		t.Fatal(err)
	}
	if len(foreign) != 1 || foreign[0].ID != "logs-ingester-1" {
		t.Fatalf("foreign = %+v, want logs-ingester-1 only", foreign)
	}
	const want = "ring ingester holds logs-ingester-1 (no zone), which is not a pod of namespace mimir — another cluster's members may have joined this ring"
	if got := DescribeForeign("ingester", "mimir", foreign[0]); !strings.HasPrefix(got, want) || !strings.Contains(got, "mimirctl ring ingester --forget logs-ingester-1") {
		t.Errorf("got %q", got)
	}
	// A LEFT instance is gone, whoever it was.
	r.Instances[3].State = StateLeft
	if got := NotPods(r, nil); len(got) != 3 {
		t.Errorf("without pods, every instance but the LEFT one is foreign: %+v", got)
	}
}
