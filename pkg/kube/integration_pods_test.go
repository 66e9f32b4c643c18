//go:build integration

package kube

import (
	"context"
	"os"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	"github.com/mimirctl/mimirctl/pkg/mimir"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
	"github.com/mimirctl/mimirctl/pkg/verdict"
)

// runtimeConfigProbe is a Mimir overrides-exporter that loads the
// overrides ConfigMap as its runtime configuration.
func runtimeConfigProbe(ns string) *appsv1.Deployment {
	labels := map[string]string{"name": "runtime-config-probe"}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "runtime-config-probe", Namespace: ns},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](2),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					Containers: []corev1.Container{{
						Name:  "overrides-exporter",
						Image: "grafana/mimir:2.9.0",
						Args: []string{"-target=overrides-exporter", "-server.http-listen-port=8080", "-server.grpc-listen-port=9095",
							"-runtime-config.file=/etc/mimir/" + mimir.RuntimeConfigKey, "-runtime-config.reload-period=1s"},
						Ports: []corev1.ContainerPort{{Name: "http-metrics", ContainerPort: 8080}},
						ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{
							HTTPGet: &corev1.HTTPGetAction{Path: "/ready", Port: intstr.FromInt32(8080)}}},
						VolumeMounts: []corev1.VolumeMount{{Name: "overrides", MountPath: "/etc/mimir"}},
					}},
					Volumes: []corev1.Volume{{Name: "overrides", VolumeSource: corev1.VolumeSource{
						ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: mimir.RuntimeConfigMap}}}}},
				},
			},
		},
	}
}

// TestIntegrationRuntimeConfigReachesThePods runs real Mimir 2.x pods
// (grafana/mimir:2.9.0, which the local cluster of e2e/local maps to its
// Mimir build); it needs ready nodes and can be turned off with
// MIMIRCTL_TEST_MIMIR_PODS=0.
func TestIntegrationRuntimeConfigReachesThePods(t *testing.T) {
	if os.Getenv("MIMIRCTL_TEST_MIMIR_PODS") == "0" {
		t.Skip("MIMIRCTL_TEST_MIMIR_PODS=0")
	}
	f := newFixture(t)
	if !hasReadyNodes(t, f.c) {
		t.Skip("the cluster has no ready node to run Mimir pods on")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	f.apply(f.render(nil), ApplyOptions{})
	if _, err := f.c.Kube.AppsV1().Deployments(f.ns).Create(ctx, runtimeConfigProbe(f.ns), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	probe := []Workload{{Kind: "Deployment", Namespace: f.ns, Name: "runtime-config-probe"}}
	if _, err := WaitRollout(ctx, f.c.Kube, probe, WaitOptions{Interval: time.Second}, nil); err != nil {
		t.Fatal(err)
	}
	doer, err := podaccess.NewProxy(f.c.Config)
	if err != nil {
		t.Fatal(err)
	}
	sel := podaccess.Selector{Labels: "name=runtime-config-probe"}
	patch := map[string]any{"multi_kv_config": map[string]any{"primary": "memberlist", "mirror_enabled": true}}
	obs, _, err := CheckRuntimeConfig(ctx, f.c.Kube, doer, f.ns, sel, patch)
	if err != nil || obs.Verdict != verdict.Fail {
		t.Fatalf("before the change the pods should serve the old values: %v, %v", obs, err)
	}
	if _, err := ApplyRuntimeConfig(ctx, f.c.Kube, RuntimeConfigChange{Namespace: f.ns, Patch: patch}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	obs, err = WaitRuntimeConfig(ctx, f.c.Kube, doer, f.ns, sel, patch, WaitOptions{Interval: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%v after %s", obs, time.Since(start).Round(time.Second))
}
