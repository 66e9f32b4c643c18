package prometheus

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func pod(name string, labels map[string]string, ip string, ports ...corev1.ContainerPort) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: "mimir", Name: name, Labels: labels,
			OwnerReferences: []metav1.OwnerReference{{Kind: "StatefulSet", Name: "ingester-zone-a", Controller: ptr.To(true)}}},
		Spec:   corev1.PodSpec{NodeName: "zone-a-node-1", Containers: []corev1.Container{{Name: "ingester", Image: "grafana/mimir:3.0.5", Ports: ports}}},
		Status: corev1.PodStatus{PodIP: ip, Phase: corev1.PodRunning},
	}
}

func TestTargetGroups(t *testing.T) {
	pods := []*corev1.Pod{
		pod("ingester-zone-a-0", map[string]string{"name": "ingester-zone-a", "app.kubernetes.io/part-of": "memberlist"}, "10.244.0.5",
			corev1.ContainerPort{Name: "http-metrics", ContainerPort: 8080, Protocol: corev1.ProtocolTCP},
			corev1.ContainerPort{Name: "grpc", ContainerPort: 9095, Protocol: corev1.ProtocolTCP}),
		pod("pending", nil, ""),
	}
	groups := TargetGroups(pods)
	t.Run("one target per container port of pods with an address", func(t *testing.T) {
		if len(groups) != 2 || groups[0].Targets[0] != "10.244.0.5:8080" || groups[1].Targets[0] != "10.244.0.5:9095" {
			t.Fatalf("groups = %+v", groups)
		}
	})
	t.Run("labels are kubernetes_sd role pod's", func(t *testing.T) {
		l := groups[0].Labels
		for k, want := range map[string]string{
			"__meta_kubernetes_namespace":                           "mimir",
			"__meta_kubernetes_pod_name":                            "ingester-zone-a-0",
			"__meta_kubernetes_pod_container_name":                  "ingester",
			"__meta_kubernetes_pod_container_port_name":             "http-metrics",
			"__meta_kubernetes_pod_container_port_number":           "8080",
			"__meta_kubernetes_pod_label_name":                      "ingester-zone-a",
			"__meta_kubernetes_pod_label_app_kubernetes_io_part_of": "memberlist",
			"__meta_kubernetes_pod_phase":                           "Running",
			"__meta_kubernetes_pod_controller_kind":                 "StatefulSet",
		} {
			if l[k] != want {
				t.Errorf("%s = %q, want %q", k, l[k], want)
			}
		}
	})
}

// promtool (Debian's prometheus package) checks the rendered config; the
// e2e test checks the resulting job labels on a real Prometheus.
func TestConfigIsValid(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool not installed (apt-get install prometheus)")
	}
	dir := t.TempDir()
	cfg := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfg, []byte(Config(filepath.Join(dir, "pods.json"))), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(promtool, "check", "config", cfg).CombinedOutput(); err != nil {
		t.Fatalf("promtool check config: %v\n%s", err, out)
	}
}
