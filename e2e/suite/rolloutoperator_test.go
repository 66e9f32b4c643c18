//go:build e2e

package suite

import (
	"context"
	"encoding/pem"
	"fmt"
	"net"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	admissionregv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/util/retry"

	"github.com/mimirctl/mimirctl/e2e/grafanalib"
	"github.com/mimirctl/mimirctl/e2e/rolloutoperatorfake"
	"github.com/mimirctl/mimirctl/pkg/kube"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
)

// rolloutOperator is the rollout-operator stand-in of a test: its webhooks
// served by this process, registered with the API server for one namespace.
type rolloutOperator struct {
	ns        string
	configMap string
}

// apiServerIsLocal reports whether the API server listens on a
// non-loopback address of this machine (the local cluster's bridge), so that
// it can call a webhook served by the test. A loopback address is a port
// forward (kind), whose API server runs elsewhere.
func apiServerIsLocal(t *testing.T) bool {
	u, err := url.Parse(harness.clients.Config.Host)
	if err != nil {
		t.Fatal(err)
	}
	if ip := net.ParseIP(u.Hostname()); ip == nil || ip.IsLoopback() {
		return false
	}
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range addrs {
		if ipn, ok := a.(*net.IPNet); ok && ipn.IP.String() == u.Hostname() {
			return true
		}
	}
	return false
}

// rolloutOperatorEnv chooses who guards the zones of the environments on
// Grafana's library: "stand-in" (the default) or "image", grafana/rollout-operator's
// own image as the library deploys it (e2e/kind/run.sh sets it).
const rolloutOperatorEnv = "MIMIRCTL_E2E_ROLLOUT_OPERATOR"

// rolloutOperatorMode reads rolloutOperatorEnv's value v: whether the
// environments deploy the operator's image. The local cluster (no kubeconfig
// given) cannot run the image: "image" is then refused, as is any other
// value.
func rolloutOperatorMode(v, kubeconfig string) (bool, error) {
	switch v {
	case "", "stand-in":
		return false, nil
	case "image":
		if kubeconfig == "" {
			return false, fmt.Errorf("%s=image: the local cluster cannot run grafana/rollout-operator's image (it runs the stand-in, e2e/rolloutoperatorfake); run the suite on kind with e2e/kind/run.sh", rolloutOperatorEnv)
		}
		return true, nil
	}
	return false, fmt.Errorf("%s=%q: want stand-in (the default) or image", rolloutOperatorEnv, v)
}

// operatorImageNamespaces holds the namespaces whose environment deploys
// grafana/rollout-operator's image (withRolloutOperator).
var operatorImageNamespaces sync.Map

// withRolloutOperator returns the scenario's extra jsonnet with the
// library's rollout-operator on (grafanalib.RolloutOperatorLib) for the
// environment in ns. The environment's cleanup (scenario.Env.Drop) removes
// the operator's cluster-scoped objects (webhook configurations, certificate
// RBAC), which dropping the namespace leaves.
func withRolloutOperator(t *testing.T, ns, extra string) string {
	t.Helper()
	operatorImageNamespaces.Store(ns, true)
	lib := fmt.Sprintf("(import %q)", grafanalib.RolloutOperatorLib)
	if extra == "" {
		return lib
	}
	return lib + " + " + extra
}

func operatorImageIn(ns string) bool {
	_, ok := operatorImageNamespaces.Load(ns)
	return ok
}

// waitForOperatorCA waits until grafana/rollout-operator of ns has written
// the CA of its self-signed certificate into every webhook of its
// configurations (labelled grafana.com/inject-rollout-operator-ca): before
// that, the API server cannot call them, and with failurePolicy Fail every
// update of a StatefulSet in ns is refused.
func waitForOperatorCA(t *testing.T, ns string) {
	t.Helper()
	sel := metav1.ListOptions{LabelSelector: "grafana.com/inject-rollout-operator-ca=true,grafana.com/namespace=" + ns}
	kinds := []schema.GroupVersionResource{
		admissionregv1.SchemeGroupVersion.WithResource("mutatingwebhookconfigurations"),
		admissionregv1.SchemeGroupVersion.WithResource("validatingwebhookconfigurations"),
	}
	var missing []string
	var listErr error
	configs := 0
	err := wait.PollUntilContextTimeout(context.Background(), 2*time.Second, 3*time.Minute, true, func(ctx context.Context) (bool, error) {
		missing, listErr, configs = nil, nil, 0
		for _, gvr := range kinds {
			list, err := harness.clients.Dynamic.Resource(gvr).List(ctx, sel)
			if err != nil {
				listErr = err
				continue
			}
			configs += len(list.Items)
			for _, c := range list.Items {
				hooks, _, _ := unstructured.NestedSlice(c.Object, "webhooks")
				for _, h := range hooks {
					hook, _ := h.(map[string]any)
					if ca, _, _ := unstructured.NestedString(hook, "clientConfig", "caBundle"); ca == "" {
						name, _, _ := unstructured.NestedString(hook, "name")
						missing = append(missing, name)
					}
				}
			}
		}
		return listErr == nil && len(missing) == 0, nil
	})
	if err != nil {
		t.Fatalf("grafana/rollout-operator of %s has not written its CA into the webhooks %q (last list error: %v)", ns, missing, listErr)
	}
	if configs == 0 {
		t.Fatalf("no webhook configuration of grafana/rollout-operator for namespace %s", ns)
	}
}

// startRolloutOperator serves the stand-in's prepare-downscale and
// no-downscale webhooks with the zone tracker on, registers them for ns as
// Mimir's jsonnet does (UPDATE of statefulsets and statefulsets/scale,
// failurePolicy Fail), and creates a Deployment rollout-operator with no
// replicas carrying the flags the stand-in runs with, which is where
// mimirctl reads them. It returns nil where the API server cannot reach this
// process. Where the environment deployed grafana/rollout-operator's image
// (withRolloutOperator), it only waits until the operator's webhooks can be
// called, and returns the operator of ns.
func startRolloutOperator(t *testing.T, ns string) *rolloutOperator {
	t.Helper()
	if operatorImageIn(ns) {
		// The library deployed the operator, its webhooks and the
		// Deployment whose flags mimirctl reads.
		waitForOperatorCA(t, ns)
		return &rolloutOperator{ns: ns, configMap: kube.ZoneTrackerDefaultConfigMap}
	}
	if !apiServerIsLocal(t) {
		t.Log("the API server does not run on this machine: no rollout-operator stand-in")
		return nil
	}
	ctx := context.Background()
	pods, err := podaccess.NewProxy(harness.clients.Config)
	if err != nil {
		t.Fatal(err)
	}
	ro := &rolloutOperator{ns: ns, configMap: kube.ZoneTrackerDefaultConfigMap}
	srv := httptest.NewTLSServer(&rolloutoperatorfake.Webhook{Kube: harness.clients.Kube, Pods: pods, ZoneTrackerConfigMap: ro.configMap,
		Log: func(format string, args ...any) { t.Logf("rollout-operator stand-in: "+format, args...) }})
	t.Cleanup(srv.Close)
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	fail, none := admissionregv1.Fail, admissionregv1.SideEffectClassNoneOnDryRun
	timeout := int32(10)
	rules := []admissionregv1.RuleWithOperations{{Operations: []admissionregv1.OperationType{admissionregv1.Update},
		Rule: admissionregv1.Rule{APIGroups: []string{"apps"}, APIVersions: []string{"v1"}, Resources: []string{"statefulsets", "statefulsets/scale"}}}}
	nsSel := &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": ns}}
	clientConfig := func(path string) admissionregv1.WebhookClientConfig {
		return admissionregv1.WebhookClientConfig{URL: ptr(srv.URL + path), CABundle: ca}
	}
	reg := harness.clients.Kube.AdmissionregistrationV1()
	mutating := &admissionregv1.MutatingWebhookConfiguration{ObjectMeta: metav1.ObjectMeta{Name: "prepare-downscale-" + ns},
		Webhooks: []admissionregv1.MutatingWebhook{{Name: "prepare-downscale-" + ns + ".grafana.com", ClientConfig: clientConfig(kube.WebhookPathPrepareDownscale),
			Rules: rules, NamespaceSelector: nsSel, FailurePolicy: &fail, SideEffects: &none, TimeoutSeconds: &timeout, AdmissionReviewVersions: []string{"v1"}}}}
	validating := &admissionregv1.ValidatingWebhookConfiguration{ObjectMeta: metav1.ObjectMeta{Name: "no-downscale-" + ns},
		Webhooks: []admissionregv1.ValidatingWebhook{{Name: "no-downscale-" + ns + ".grafana.com", ClientConfig: clientConfig(kube.WebhookPathNoDownscale),
			Rules: rules, NamespaceSelector: nsSel, FailurePolicy: &fail, SideEffects: &none, TimeoutSeconds: &timeout, AdmissionReviewVersions: []string{"v1"}}}}
	if _, err := reg.MutatingWebhookConfigurations().Create(ctx, mutating, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = reg.MutatingWebhookConfigurations().Delete(context.Background(), mutating.Name, metav1.DeleteOptions{})
	})
	if _, err := reg.ValidatingWebhookConfigurations().Create(ctx, validating, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = reg.ValidatingWebhookConfigurations().Delete(context.Background(), validating.Name, metav1.DeleteOptions{})
	})
	zero := int32(0)
	labels := map[string]string{"name": "rollout-operator"}
	dep := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "rollout-operator", Namespace: ns},
		Spec: appsv1.DeploymentSpec{Replicas: &zero, Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: corev1.PodSpec{Containers: []corev1.Container{{
				Name: "rollout-operator", Image: "grafana/rollout-operator:v0.38.1",
				Args: []string{"-kubernetes.namespace=" + ns, "-use-zone-tracker=true", "-zone-tracker.config-map-name=" + ro.configMap}}}}}}}
	if _, err := harness.clients.Kube.AppsV1().Deployments(ns).Create(ctx, dep, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	return ro
}

// startRolloutController runs the stand-in's rollout controller for ns
// (e2e/rolloutoperatorfake.Controller: OnDelete rollout groups rolled zone
// by zone, followers' replicas) until the test ends. It needs only API
// access, so it runs on every cluster the suite uses, except for an
// environment that deployed grafana/rollout-operator's image.
func startRolloutController(t *testing.T, ns string) {
	t.Helper()
	if operatorImageIn(ns) {
		t.Logf("grafana/rollout-operator's image rolls the zones of %s: no stand-in controller", ns)
		return
	}
	ctl := &rolloutoperatorfake.Controller{Kube: harness.clients.Kube, Namespace: ns, Interval: time.Second,
		Log: func(format string, args ...any) { t.Logf("rollout controller stand-in: "+format, args...) }}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); ctl.Run(ctx) }()
	t.Cleanup(func() { stop(); <-done })
}

func ptr[T any](v T) *T { return &v }

// guard labels and annotates StatefulSets as Mimir's jsonnet does for
// rollout-operator's prepare-downscale webhook (ingester/prepare-shutdown on
// the HTTP port), with minTime between zone downscales.
func (ro *rolloutOperator) guard(t *testing.T, minTime time.Duration, statefulSets ...string) {
	t.Helper()
	patch := fmt.Appendf(nil, `{"metadata":{"labels":{%q:"true",%q:%q},"annotations":{%q:"ingester/prepare-shutdown",%q:"8080"}}}`,
		kube.LabelPrepareDownscale, kube.LabelMinTimeBetweenZonesDownscale, minTime.String(),
		kube.AnnotationPrepareDownscaleHTTPPath, kube.AnnotationPrepareDownscaleHTTPPort)
	for _, s := range statefulSets {
		if _, err := harness.clients.Kube.AppsV1().StatefulSets(ro.ns).Patch(context.Background(), s, types.MergePatchType, patch,
			metav1.PatchOptions{FieldManager: "e2e-rollout-operator"}); err != nil {
			t.Fatal(err)
		}
	}
}

// setLastDownscaled writes the zone tracker's entries (creating the
// ConfigMap), as if the operator had downscaled those StatefulSets then.
func (ro *rolloutOperator) setLastDownscaled(t *testing.T, at map[string]time.Time) {
	t.Helper()
	ctx := context.Background()
	cms := harness.clients.Kube.CoreV1().ConfigMaps(ro.ns)
	// The stand-in's zone tracker writes the ConfigMap too: read it again
	// after a conflict.
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		cm, err := cms.Get(ctx, ro.configMap, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			cm = &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: ro.configMap, Namespace: ro.ns}}
		} else if err != nil {
			return err
		}
		if cm.Data == nil {
			cm.Data = map[string]string{}
		}
		for sts, t := range at {
			cm.Data[sts] = fmt.Sprintf(`{"lastDownscaled":%q}`, t.UTC().Format(time.RFC3339))
		}
		if cm.ResourceVersion == "" {
			_, err = cms.Create(ctx, cm, metav1.CreateOptions{})
			if apierrors.IsAlreadyExists(err) {
				// Created meanwhile: a conflict, read it again.
				return apierrors.NewConflict(corev1.Resource("configmaps"), ro.configMap, err)
			}
			return err
		}
		_, err = cms.Update(ctx, cm, metav1.UpdateOptions{})
		return err
	})
	if err != nil {
		t.Fatalf("write the zone tracker's ConfigMap %s: %v", ro.configMap, err)
	}
}

// lastDownscaled reads one zone tracker entry ("" when absent).
func (ro *rolloutOperator) lastDownscaled(t *testing.T, sts string) string {
	t.Helper()
	cm, err := harness.clients.Kube.CoreV1().ConfigMaps(ro.ns).Get(context.Background(), ro.configMap, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(cm.Data[sts])
}
