package cli

import (
	"net"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/rest"

	"github.com/mimirctl/mimirctl/pkg/kube"
)

// A state file is read without the cluster, so plan (and the zone
// shutdown's --plan, which shares it) must still find out that the cluster
// does not answer: a preview whose every action is "unknown" is no answer,
// and README's exit table says an unreachable cluster is exit 1. ring
// said to choose other pods with --pods; the fix is the kubeconfig.
func TestPlanWithAStateFileAndRingExitOneWhenTheClusterDoesNotAnswer(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	host := "http://" + l.Addr().String()
	l.Close() // nothing listens there any more: connection refused
	cfg := &rest.Config{Host: host}
	kc, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"plan", "demo"},
		{"plan", "demo", "--detailed-exitcode"},
		{"plan", "demo", "-o", "json"},
		{"ring", "ingester"},
	} {
		c := newTestCLI(t)
		c.clients = &kube.Clients{Kube: kc, Namespace: "mimir", Config: cfg}
		out, errOut, code := c.run("", args...)
		if code != ExitError || !strings.Contains(errOut, "reach the cluster at "+host) || !strings.Contains(errOut, "--kubeconfig") || strings.Contains(errOut, "--pods") {
			t.Errorf("%v: exit %d, want %d with the cluster named\nstdout:\n%s\nstderr:\n%s", args, code, ExitError, out, errOut)
		}
	}
}

// A state file recorded on another cluster says nothing of this one: plan
// refuses it as apply does, instead of showing that run's steps as done.
func TestPlanRefusesAStateFileOfAnotherCluster(t *testing.T) {
	c := newTestCLI(t)
	if _, errOut, code := c.run("", "apply", "demo"); code != ExitPaused {
		t.Fatalf("apply: exit %d\n%s", code, errOut)
	}
	if _, errOut, code := c.run("", "plan", "demo"); code != ExitOK {
		t.Fatalf("plan on the run's own cluster: exit %d\n%s", code, errOut)
	}
	c.kube = fake.NewClientset(
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "kube-system", UID: "another-cluster-uid"}},
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "mimir"}},
	)
	out, errOut, code := c.run("", "plan", "demo")
	if code != ExitError || !strings.Contains(errOut, "belongs to namespace mimir") || !strings.Contains(errOut, "another-cluster-uid") {
		t.Errorf("plan on another cluster: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
}
