//go:build e2e

package suite

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/mimirctl/mimirctl/e2e/tankaenv"
	"github.com/mimirctl/mimirctl/pkg/kube"
	"github.com/mimirctl/mimirctl/pkg/tanka"
)

// env is a test Tanka environment deployed in its own namespace.
type env struct {
	ns  string
	dir string // the environment directory (--env)
}

// deployEnv copies the test Tanka project, points environment name (e.g.
// "environments/mimir") at namespace ns with extra jsonnet merged into it,
// adds mimirctl's overlay import, applies it and waits until every workload
// is ready.
func deployEnv(t *testing.T, name, ns, extra string) *env {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	root, err := tankaenv.Copy(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	merge := fmt.Sprintf("{ _config+:: { namespace: %q } }\n", ns)
	if extra != "" {
		merge = fmt.Sprintf("{ _config+:: { namespace: %q } } + %s\n", ns, extra)
	}
	if err := tankaenv.AppendMerge(root, name, "e2e.libsonnet", merge); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, name)
	if err := setSpecNamespace(dir, ns); err != nil {
		t.Fatal(err)
	}
	if _, err := tanka.Init(ctx, dir, tanka.Options{}); err != nil {
		t.Fatal(err)
	}
	res, err := tanka.Load(ctx, dir, tanka.Options{})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := tankaenv.Apply(ctx, harness.clients, res); err != nil {
		t.Fatal(err)
	}
	if err := tankaenv.WaitReady(ctx, harness.clients, res.Objects, nil); err != nil {
		t.Fatalf("environment %s in namespace %s not ready: %v", name, ns, err)
	}
	t.Logf("environment %s ready in namespace %s after %s (%d objects)", name, ns, time.Since(start).Round(time.Second), len(res.Objects))
	t.Cleanup(func() { dropNamespace(t, ns) })
	return &env{ns: ns, dir: dir}
}

// dropNamespace deletes the namespace and waits until it is gone, so the
// next scenario starts on a quiet cluster.
func dropNamespace(t *testing.T, ns string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	nss := harness.clients.Kube.CoreV1().Namespaces()
	if err := nss.Delete(ctx, ns, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
		t.Logf("delete namespace %s: %v", ns, err)
		return
	}
	for ctx.Err() == nil {
		if _, err := nss.Get(ctx, ns, metav1.GetOptions{}); apierrors.IsNotFound(err) {
			return
		}
		time.Sleep(2 * time.Second)
	}
	t.Logf("namespace %s still terminating", ns)
}

// gateways creates the Services that stand for the user's load balancer:
// gateway-write, gateway-read and gateway-backend, selecting pods by their
// name label. They are not part of the Tanka environment, as a user's
// ingress usually is not.
func gateways(t *testing.T, ns string, selectors map[string]string) {
	t.Helper()
	for svc, target := range selectors {
		s := &corev1.Service{
			ObjectMeta: metav1.ObjectMeta{Name: svc, Namespace: ns},
			Spec: corev1.ServiceSpec{
				Selector: map[string]string{"name": target},
				Ports:    []corev1.ServicePort{{Name: "http-metrics", Port: 8080, TargetPort: intstr.FromInt32(8080)}},
			},
		}
		if _, err := harness.clients.Kube.CoreV1().Services(ns).Create(context.Background(), s, metav1.CreateOptions{}); err != nil {
			t.Fatalf("create gateway %s: %v", svc, err)
		}
	}
}

// serviceURL is the API server's proxy to a Service's http-metrics port.
func serviceURL(ns, svc, path string) string {
	return strings.TrimSuffix(harness.clients.Config.Host, "/") +
		fmt.Sprintf("/api/v1/namespaces/%s/services/%s:http-metrics/proxy%s", ns, svc, path)
}

func readOverlay(e *env) (*tanka.Overlay, error) { return tanka.ReadOverlay(e.dir) }

// applyOverlay writes the overlay, applies the environment and waits for it
// (the operator's own `tk apply`, outside mimirctl).
func applyOverlay(ctx context.Context, e *env, o *tanka.Overlay) error {
	if err := tanka.WriteOverlay(e.dir, o); err != nil {
		return err
	}
	res, err := tanka.Load(ctx, e.dir, tanka.Options{})
	if err != nil {
		return err
	}
	id, err := res.Env.Spec.NameLabel()
	if err != nil {
		return err
	}
	// Forced: the zone shutdown scaled the StatefulSet with a field manager
	// of its own, and the operator means to take replicas back.
	objs := kube.Ownership{EnvironmentID: id}.Label(res.Objects)
	if _, err := kube.Apply(ctx, harness.clients.Dynamic, harness.clients.Mapper, objs, kube.ApplyOptions{ForceConflicts: true}); err != nil {
		return err
	}
	return tankaenv.WaitReady(ctx, harness.clients, res.Objects, nil)
}

// setSpecNamespace points the environment's spec.json at namespace ns: Tanka
// puts objects without a namespace there.
func setSpecNamespace(dir, ns string) error {
	path := filepath.Join(dir, "spec.json")
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var spec map[string]any
	if err := json.Unmarshal(raw, &spec); err != nil {
		return err
	}
	inner, _ := spec["spec"].(map[string]any)
	if inner == nil {
		return fmt.Errorf("%s has no spec", path)
	}
	inner["namespace"] = ns
	out, err := json.MarshalIndent(spec, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, out, 0o644)
}
