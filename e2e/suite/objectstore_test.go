//go:build e2e

package suite

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/mimirctl/mimirctl/e2e/scenario"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
)

// TestMimirShipsBlocksToTheS3Gateway deploys the Versity S3 gateway (built
// from its Go module, posix backend on an emptyDir) and a single-process
// Mimir 3 whose common storage is s3 at the gateway's Service, the storage
// Grafana's library configures; a pushed sample, flushed, must be shipped
// as a block: the shipper counts an upload and no failure, which it does
// only after the gateway accepted every object of the block.
func TestMimirShipsBlocksToTheS3Gateway(t *testing.T) {
	t.Parallel()
	const ns = "e2e-object-store"
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	freshNamespace(ctx, t, ns)
	kc := harness.clients.Kube

	gw := deployment(ns, "s3", corev1.PodSpec{
		// The posix backend serves directories as buckets: create Mimir's.
		InitContainers: []corev1.Container{{Name: "bucket", Image: "busybox:1.36", Command: []string{"sh", "-c", "mkdir -p /data/mimir-blocks"},
			VolumeMounts: []corev1.VolumeMount{{Name: "data", MountPath: "/data"}}}},
		Containers: []corev1.Container{{Name: "versitygw", Image: "versity/versitygw:v1.8.0",
			Command:        []string{"versitygw", "--port", ":7070", "posix", "/data"},
			Env:            []corev1.EnvVar{{Name: "ROOT_ACCESS_KEY", Value: "e2e-access"}, {Name: "ROOT_SECRET_KEY", Value: "e2e-secret-key"}},
			VolumeMounts:   []corev1.VolumeMount{{Name: "data", MountPath: "/data"}},
			ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(7070)}}}}},
		Volumes: []corev1.Volume{{Name: "data", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}},
	})
	mimir := deployment(ns, "mimir", corev1.PodSpec{
		Containers: []corev1.Container{{Name: "mimir", Image: "grafana/mimir:3.0.5", Args: []string{
			"-target=all", "-auth.multitenancy-enabled=false", "-server.http-listen-port=8080",
			"-common.storage.backend=s3", "-common.storage.s3.endpoint=s3." + ns + ".svc.cluster.local:7070",
			"-common.storage.s3.insecure=true", "-common.storage.s3.access-key-id=e2e-access",
			"-common.storage.s3.secret-access-key=e2e-secret-key", "-common.storage.s3.bucket-name=mimir-blocks",
			"-blocks-storage.storage-prefix=blocks", "-ruler-storage.storage-prefix=ruler", "-alertmanager-storage.storage-prefix=alertmanager",
			"-blocks-storage.tsdb.dir=/data/tsdb", "-blocks-storage.bucket-store.sync-dir=/data/sync", "-compactor.data-dir=/data/compactor",
			"-ingester.ring.replication-factor=1", "-ingester.ring.store=inmemory", "-ingester.ring.min-ready-duration=0s",
		},
			VolumeMounts:   []corev1.VolumeMount{{Name: "data", MountPath: "/data"}},
			ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/ready", Port: intstr.FromInt32(8080)}}}}},
		Volumes: []corev1.Volume{{Name: "data", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}},
	})
	for _, d := range []*appsv1.Deployment{gw, mimir} {
		if _, err := kc.AppsV1().Deployments(ns).Create(ctx, d, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "s3", Namespace: ns}, Spec: corev1.ServiceSpec{
		Selector: map[string]string{"name": "s3"}, Ports: []corev1.ServicePort{{Name: "s3", Port: 7070}}}}
	if _, err := kc.CoreV1().Services(ns).Create(ctx, svc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	pod := readyPod(ctx, t, ns, "mimir")
	pods, err := podaccess.NewProxy(harness.clients.Config)
	if err != nil {
		t.Fatal(err)
	}
	target := podaccess.Target{Namespace: ns, Name: pod, Port: 8080}
	otlp := fmt.Sprintf(`{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"e2e_object_store","gauge":{"dataPoints":[{"asDouble":1,"timeUnixNano":"%d"}]}}]}]}]}`, time.Now().UnixNano())
	for _, call := range []struct{ path, body, ctype string }{
		{"/otlp/v1/metrics", otlp, "application/json"},
		{"/ingester/flush?wait=true", "", ""},
	} {
		h := http.Header{}
		if call.ctype != "" {
			h.Set("Content-Type", call.ctype)
		}
		resp, err := pods.Do(ctx, target, http.MethodPost, call.path, h, strings.NewReader(call.body))
		if err != nil {
			t.Fatalf("POST %s: %v", call.path, err)
		}
		resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			t.Fatalf("POST %s: %s", call.path, resp.Status)
		}
	}
	if up, failed := shipperCounts(ctx, t, pods, target); up < 1 || failed != 0 {
		t.Fatalf("after the flush the shipper counts %g uploads and %g failures; want at least 1 and 0", up, failed)
	} else {
		t.Logf("Mimir 3.0.5 shipped %g block(s) to the S3 gateway, no failure", up)
	}
}

// deployment is a one-replica Deployment whose pods are labelled name=NAME.
func deployment(ns, name string, spec corev1.PodSpec) *appsv1.Deployment {
	one := int32(1)
	labels := map[string]string{"name": name}
	spec.TerminationGracePeriodSeconds = ptr(int64(5))
	return &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: appsv1.DeploymentSpec{Replicas: &one, Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: spec}}}
}

// readyPod waits for a ready pod labelled name=NAME and returns its name.
func readyPod(ctx context.Context, t *testing.T, ns, name string) string {
	t.Helper()
	for {
		list, err := harness.clients.Kube.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "name=" + name})
		if err != nil {
			t.Fatal(err)
		}
		for i := range list.Items {
			if podReady(&list.Items[i]) {
				return list.Items[i].Name
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no ready pod %s in %s", name, ns)
		case <-time.After(time.Second):
		}
	}
}

// freshNamespace creates namespace ns (dropping one left by an earlier run)
// and drops it when the test ends.
func freshNamespace(ctx context.Context, t *testing.T, ns string) {
	t.Helper()
	if err := scenario.DropNamespace(ctx, harness.clients, ns); err != nil {
		t.Fatal(err)
	}
	if _, err := harness.clients.Kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = scenario.DropNamespace(context.Background(), harness.clients, ns) })
}
