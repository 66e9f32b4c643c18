//go:build e2e

package cluster_test

import (
	"context"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"
)

// mimirArgs runs Mimir 2.9 as a single-binary (-target=all) with filesystem
// storage: blocks in bucketDir, everything local under /data.
func mimirArgs(bucketDir string, extra ...string) []string {
	return append([]string{
		"-target=all",
		"-auth.multitenancy-enabled=false",
		"-server.http-listen-port=8080",
		"-server.grpc-listen-port=9095",
		"-blocks-storage.backend=filesystem",
		"-blocks-storage.filesystem.dir=" + bucketDir + "/blocks",
		"-blocks-storage.tsdb.dir=/data/tsdb",
		"-blocks-storage.bucket-store.sync-dir=/data/tsdb-sync",
		"-compactor.data-dir=/data/compactor",
		"-ruler-storage.backend=filesystem",
		"-ruler-storage.filesystem.dir=" + bucketDir + "/rules",
		"-ingester.ring.replication-factor=1",
		"-ingester.ring.min-ready-duration=1s",
		"-query-scheduler.service-discovery-mode=dns",
		"-runtime-config.file=/etc/mimir/runtime.yaml",
		"-runtime-config.reload-period=1s",
	}, extra...)
}

func mimirContainer(args []string, mounts ...corev1.VolumeMount) corev1.Container {
	return corev1.Container{
		Name:  "mimir",
		Image: "grafana/mimir:2.9.0",
		Args:  args,
		Ports: []corev1.ContainerPort{
			{Name: "http-metrics", ContainerPort: 8080},
			{Name: "grpc", ContainerPort: 9095},
			{Name: "gossip-ring", ContainerPort: 7946},
		},
		ReadinessProbe: &corev1.Probe{
			ProbeHandler:        corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/ready", Port: intstr.FromString("http-metrics")}},
			InitialDelaySeconds: 1, PeriodSeconds: 1,
		},
		VolumeMounts: append(mounts, corev1.VolumeMount{Name: "runtime", MountPath: "/etc/mimir"}),
	}
}

var runtimeVolume = corev1.Volume{Name: "runtime", VolumeSource: corev1.VolumeSource{
	ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "mimir-runtime"}}}}

func headless(name string, selector map[string]string, publishNotReady bool, ports ...corev1.ServicePort) *corev1.Service {
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: corev1.ServiceSpec{ClusterIP: corev1.ClusterIPNone, Selector: selector, Ports: ports,
			PublishNotReadyAddresses: publishNotReady},
	}
}

func statefulSet() *appsv1.StatefulSet {
	labels := map[string]string{"name": "mimir", "gossip_ring_member": "true"}
	args := mimirArgs("/bucket", "-memberlist.join=dns+gossip-ring."+ns+".svc.cluster.local:7946")
	return &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: "mimir", Namespace: ns},
		Spec: appsv1.StatefulSetSpec{
			ServiceName: "mimir", Replicas: ptr.To(int32(3)),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"name": "mimir"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					TerminationGracePeriodSeconds: ptr.To(int64(30)),
					Containers: []corev1.Container{mimirContainer(args,
						corev1.VolumeMount{Name: "data", MountPath: "/data"},
						corev1.VolumeMount{Name: "bucket", MountPath: "/bucket"})},
					Volumes: []corev1.Volume{runtimeVolume, {Name: "bucket", VolumeSource: corev1.VolumeSource{
						HostPath: &corev1.HostPathVolumeSource{Path: "/" + ns + "/bucket", Type: ptr.To(corev1.HostPathDirectoryOrCreate)}}}},
				},
			},
			VolumeClaimTemplates: []corev1.PersistentVolumeClaim{{
				ObjectMeta: metav1.ObjectMeta{Name: "data"},
				Spec: corev1.PersistentVolumeClaimSpec{
					AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
					Resources:   corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}},
				},
			}},
		},
	}
}

func deployment() *appsv1.Deployment {
	labels := map[string]string{"name": "mimir-single"}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "mimir-single", Namespace: ns},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(int32(1)),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					Containers: []corev1.Container{mimirContainer(mimirArgs("/data/bucket"),
						corev1.VolumeMount{Name: "data", MountPath: "/data"})},
					Volumes: []corev1.Volume{runtimeVolume, {Name: "data", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}},
				},
			},
		},
	}
}

// createWorkloads (re)creates the test namespace with Mimir in it.
func createWorkloads(ctx context.Context, t *testing.T, cs kubernetes.Interface) {
	t.Helper()
	nsClient := cs.CoreV1().Namespaces()
	if err := nsClient.Delete(ctx, ns, metav1.DeleteOptions{}); err == nil {
		eventually(ctx, t, "the previous test namespace is gone", func() (bool, string) {
			_, err := nsClient.Get(ctx, ns, metav1.GetOptions{})
			return apierrors.IsNotFound(err), "still terminating"
		})
	}
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(nsClient.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}))
	eventually(ctx, t, "the namespace's default service account", func() (bool, string) {
		_, err := cs.CoreV1().ServiceAccounts(ns).Get(ctx, "default", metav1.GetOptions{})
		return err == nil, "missing"
	})
	must(cs.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "mimir-runtime"},
		Data:       map[string]string{"runtime.yaml": "overrides: {}\n"},
	}, metav1.CreateOptions{}))
	must(cs.CoreV1().Services(ns).Create(ctx, headless("mimir", map[string]string{"name": "mimir"}, false,
		corev1.ServicePort{Name: "http-metrics", Port: 8080}, corev1.ServicePort{Name: "grpc", Port: 9095}), metav1.CreateOptions{}))
	must(cs.CoreV1().Services(ns).Create(ctx, headless("gossip-ring", map[string]string{"gossip_ring_member": "true"}, true,
		corev1.ServicePort{Name: "gossip-ring", Port: 7946}), metav1.CreateOptions{}))
	must(cs.AppsV1().StatefulSets(ns).Create(ctx, statefulSet(), metav1.CreateOptions{}))
	must(cs.AppsV1().Deployments(ns).Create(ctx, deployment(), metav1.CreateOptions{}))
}
