//go:build integration

package cli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/yaml"

	"github.com/mimirctl/mimirctl/pkg/kube"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
	"github.com/mimirctl/mimirctl/pkg/tanka"
)

// TestTheDeployRolesSufficeOnARealAPIServer installs deploy/rbac in a
// namespace of its own and runs the commands as its ServiceAccounts
// (impersonated), so that the API server's authorizer, not this repository,
// says whether the Roles are enough: read-only `plan`, `status` and `diff`
// as mimirctl-readonly; `apply`, `approve`, `resume`, `abort` as mimirctl,
// and as mimirctl the server-side apply and pruning of a Tanka environment
// (pkg/tanka's miniature of Grafana's Mimir library) that a jsonnet step
// does, then makes the requests of the actions and gates that need Mimir
// running (scaling, a Service's selector, the pod proxy, PVC deletion, KEDA)
// with pkg/kube's and pkg/podaccess's clients. As in the unit tests, the
// plan's actions and gates are fakes: for the commands, what is checked is
// their state, lock and identity requests.
//
// It needs an API server whose authorizer can say no, such as the local
// cluster of e2e/local (--authorization-mode=RBAC) or kind. On one that
// allows everything (--authorization-mode=AlwaysAllow), found by asking the
// authorizer about a user that nothing binds, it skips, saying so.
func TestTheDeployRolesSufficeOnARealAPIServer(t *testing.T) {
	path := os.Getenv("MIMIRCTL_TEST_KUBECONFIG")
	if path == "" {
		t.Fatal("MIMIRCTL_TEST_KUBECONFIG is not set: point it at a cluster (make integration starts the local one)")
	}
	admin, err := kube.Options{Kubeconfig: path, Timeout: 30 * time.Second}.Connect()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	suffix := hex.EncodeToString(b)
	if allowed, reason := authorizerAllowsUnboundUser(t, admin, "mimirctl-rbac-probe-"+suffix); allowed {
		t.Skipf("the API server at %s lets a user that no (Cluster)RoleBinding names delete Secrets in kube-system (authorizer's reason: %q): "+
			"it authorizes everything (--authorization-mode=AlwaysAllow?), so it cannot tell whether the Roles suffice; run this test against one that authorizes with RBAC", admin.Config.Host, reason)
	}
	ns := "mimirctl-rbac-" + suffix
	if _, err := admin.Kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = admin.Kube.CoreV1().Namespaces().Delete(context.Background(), ns, metav1.DeleteOptions{}) })
	for _, file := range []string{"cluster-role.yaml", "readonly.yaml", "apply.yaml"} {
		installRBAC(t, admin, file, ns, suffix)
	}

	as := func(account string) *kube.Clients {
		cfg := rest.CopyConfig(admin.Config)
		cfg.Impersonate = rest.ImpersonationConfig{UserName: "system:serviceaccount:" + ns + ":" + account}
		c, err := kube.NewClients(cfg, ns, "")
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	ro, runner := as("mimirctl-readonly"), as("mimirctl")
	if _, err := ro.Kube.CoreV1().Secrets("kube-system").List(ctx, metav1.ListOptions{}); !apierrors.IsForbidden(err) {
		t.Errorf("mimirctl-readonly may list kube-system's Secrets: %v", err)
	}
	if err := runner.Kube.CoreV1().Pods(ns).Delete(ctx, "any", metav1.DeleteOptions{}); !apierrors.IsForbidden(err) {
		t.Errorf("mimirctl may delete pods, which no code of it does: %v", err)
	}

	c := newTestCLI(t)
	state := "--state=configmap"
	steps := []struct {
		who  *kube.Clients
		args []string
		exit int
	}{
		{ro, []string{"status", state}, ExitOK},
		{ro, []string{"plan", "demo", state}, ExitOK},
		{runner, []string{"apply", "demo", state}, ExitPaused},
		{ro, []string{"status", state, "-o", "json"}, ExitOK},
		{ro, []string{"plan", "demo", state}, ExitOK},
		{runner, []string{"approve", "2-route", state}, ExitOK},
		{runner, []string{"resume", "--yes", state}, ExitOK},
		{runner, []string{"apply", "demo", "-p", "replicas=5", state}, ExitPaused},
		{runner, []string{"abort", state}, ExitOK},
	}
	for _, s := range steps {
		c.clients = s.who
		_, errOut, code := c.run("", s.args...)
		if code != s.exit || strings.Contains(errOut, "forbidden") {
			t.Fatalf("%v as %s: exit %d (want %d)\n%s", s.args, s.who.Config.Impersonate.UserName, code, s.exit, errOut)
		}
	}

	// diff is real code end to end: it gets every rendered object and
	// scans the kinds mimirctl prunes, as mimirctl-readonly.
	env := rbacTestEnvironment(t, ns)
	c.clients = ro
	out, errOut, code := c.run("", "diff", "--env", env)
	if code != ExitChanges || strings.Contains(errOut, "forbidden") || !strings.Contains(out, "StatefulSet") {
		t.Fatalf("diff as mimirctl-readonly: exit %d (want %d, nothing applied yet)\n%s\n%s", code, ExitChanges, errOut, out)
	}

	// Server-side apply of the environment and pruning of what it no
	// longer renders (pkg/kube, as a jsonnet step does) as mimirctl.
	ownership := environmentOwnership(t, env)
	render := func() []*unstructured.Unstructured {
		r, err := tanka.Load(ctx, env, tanka.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return ownership.Label(r.Objects)
	}
	if _, err := kube.Apply(ctx, runner.Dynamic, runner.Mapper, render(), kube.ApplyOptions{}); err != nil {
		t.Fatalf("apply the environment as mimirctl: %v", err)
	}
	if _, errOut, code := c.run("", "diff", "--env", env); code != ExitOK {
		t.Fatalf("diff as mimirctl-readonly after the apply: exit %d\n%s", code, errOut)
	}
	o, err := tanka.ReadOverlay(env)
	if err != nil {
		t.Fatal(err)
	}
	o.Merge(tanka.Overlay{Config: map[string]any{"deployment_mode": "read-write"}})
	o.RemoveObject("querier_deployment")
	if err := tanka.WriteOverlay(env, o); err != nil {
		t.Fatal(err)
	}
	readWrite := render()
	if _, err := kube.Apply(ctx, runner.Dynamic, runner.Mapper, readWrite, kube.ApplyOptions{}); err != nil {
		t.Fatalf("apply the read-write environment as mimirctl: %v", err)
	}
	items, err := kube.PruneCandidates(ctx, runner.Dynamic, runner.Mapper, readWrite, kube.PruneOptions{Ownership: ownership})
	if err != nil {
		t.Fatalf("prune candidates as mimirctl: %v", err)
	}
	if len(kube.Deletions(items)) == 0 {
		t.Fatal("nothing to prune: the test no longer exercises deletion")
	}
	if err := kube.Prune(ctx, runner.Dynamic, runner.Mapper, items, ownership); err != nil {
		t.Fatalf("prune as mimirctl: %v", err)
	}

	// The requests of actions and gates that need Mimir to run for real:
	// made here with the code's own clients, against objects that exist or
	// (for pods, PVCs, KEDA) do not. The authorizer runs before the lookup,
	// so a missing object answers 404 to whom the Role allows the request
	// and 403 to whom it does not.
	var workloads []kube.Workload
	for _, obj := range readWrite {
		if obj.GetKind() == "StatefulSet" || obj.GetKind() == "Deployment" {
			workloads = append(workloads, kube.Workload{Kind: obj.GetKind(), Namespace: ns, Name: obj.GetName()})
		}
	}
	if len(workloads) == 0 {
		t.Fatal("the environment renders no workload any more")
	}
	for _, w := range workloads {
		if _, err := kube.Scale(ctx, runner.Kube, w, 0); err != nil {
			t.Errorf("scale as mimirctl: %v", err)
		}
	}
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "query-frontend"},
		Spec: corev1.ServiceSpec{Selector: map[string]string{"name": "query-frontend"}, Ports: []corev1.ServicePort{{Port: 8080}}}}
	if _, err := admin.Kube.CoreV1().Services(ns).Create(ctx, svc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := runner.Kube.CoreV1().Services(ns).Patch(ctx, svc.Name, types.StrategicMergePatchType,
		[]byte(`{"spec":{"selector":{"name":"mimir-read"}}}`), metav1.PatchOptions{FieldManager: kube.FieldManager}); err != nil {
		t.Errorf("patch a Service's selector as mimirctl: %v", err)
	}
	if err := runner.Kube.CoreV1().PersistentVolumeClaims(ns).Delete(ctx, "storage-ingester-zone-a-0", metav1.DeleteOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("delete a PVC as mimirctl: want NotFound, got %v", err)
	}
	scaledObjects := schema.GroupVersionResource{Group: "keda.sh", Version: "v1alpha1", Resource: "scaledobjects"}
	for _, who := range []*kube.Clients{ro, runner} {
		if _, err := who.Dynamic.Resource(scaledObjects).Namespace(ns).List(ctx, metav1.ListOptions{}); apierrors.IsForbidden(err) {
			t.Errorf("list KEDA ScaledObjects as %s: %v", who.Config.Impersonate.UserName, err)
		}
	}
	pod := podaccess.Target{Namespace: ns, Name: "ingester-zone-a-0", Port: 8080}
	for _, tc := range []struct {
		who       *kube.Clients
		method    string
		forbidden bool
	}{
		{ro, http.MethodGet, false}, {ro, http.MethodPost, true},
		{runner, http.MethodGet, false}, {runner, http.MethodPost, false},
	} {
		doer, err := podaccess.NewProxy(tc.who.Config)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := doer.Do(ctx, pod, tc.method, "/ready", nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if (resp.StatusCode == http.StatusForbidden) != tc.forbidden {
			t.Errorf("%s through the pod proxy as %s: status %d, want forbidden=%v", tc.method, tc.who.Config.Impersonate.UserName, resp.StatusCode, tc.forbidden)
		}
	}
}

// authorizerAllowsUnboundUser asks the API server, with a
// SelfSubjectAccessReview made as user (impersonated by admin, so in the
// group system:authenticated only), whether user may delete Secrets in
// kube-system. user must be a name no (Cluster)RoleBinding names: under RBAC
// (Kubernetes' bootstrap roles give system:authenticated discovery only) the
// answer is no, under AlwaysAllow yes. It returns the answer and the
// authorizer's reason.
func authorizerAllowsUnboundUser(t *testing.T, admin *kube.Clients, user string) (bool, string) {
	t.Helper()
	cfg := rest.CopyConfig(admin.Config)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: user}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	review := &authorizationv1.SelfSubjectAccessReview{Spec: authorizationv1.SelfSubjectAccessReviewSpec{
		ResourceAttributes: &authorizationv1.ResourceAttributes{Namespace: "kube-system", Verb: "delete", Resource: "secrets"},
	}}
	got, err := cs.AuthorizationV1().SelfSubjectAccessReviews().Create(context.Background(), review, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("ask the API server's authorizer about %s: %v", user, err)
	}
	return got.Status.Allowed, got.Status.Reason
}

// environmentOwnership is how mimirctl labels what it applies from env.
func environmentOwnership(t *testing.T, env string) kube.Ownership {
	t.Helper()
	found, err := tanka.Find(env)
	if err != nil {
		t.Fatal(err)
	}
	id, err := found.Spec.NameLabel()
	if err != nil {
		t.Fatal(err)
	}
	return kube.Ownership{EnvironmentID: id}
}

// rbacTestEnvironment copies pkg/tanka's test project (Grafana's Mimir
// library in miniature), adds the RBAC objects Grafana's library renders
// beside Mimir (rbacObjectsOfTheLibrary), points its default environment at
// ns and wires mimirctl's overlay.
func rbacTestEnvironment(t *testing.T, ns string) string {
	t.Helper()
	src := filepath.Join("..", "tanka", "testdata", "project")
	dst := t.TempDir()
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	env := filepath.Join(dst, "environments", "default")
	main, err := os.ReadFile(filepath.Join(env, "main.jsonnet"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(env, "main.jsonnet"), append(main, fmt.Sprintf("+ "+rbacObjectsOfTheLibrary+"\n", ns)...), 0o644); err != nil {
		t.Fatal(err)
	}
	spec := `{"apiVersion":"tanka.dev/v1alpha1","kind":"Environment","metadata":{"name":"rbac"},"spec":{"namespace":"` + ns + `"}}`
	if err := os.WriteFile(filepath.Join(env, "spec.json"), []byte(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := tanka.Init(context.Background(), env, tanka.Options{}); err != nil {
		t.Fatal(err)
	}
	return env
}

// installRBAC creates the objects of deploy/rbac/FILE in ns, with the
// cluster-scoped ones' names suffixed so that parallel runs do not meet.
func installRBAC(t *testing.T, admin *kube.Clients, file, ns, suffix string) {
	t.Helper()
	ctx := context.Background()
	data, err := os.ReadFile(filepath.Join("..", "..", "deploy", "rbac", file))
	if err != nil {
		t.Fatal(err)
	}
	for _, doc := range strings.Split(string(data), "\n---\n") {
		var head metav1.TypeMeta
		if err := yaml.Unmarshal([]byte(doc), &head); err != nil {
			t.Fatal(err)
		}
		subjects := func(ss []rbacv1.Subject) {
			for i := range ss {
				ss[i].Namespace = ns
			}
		}
		switch head.Kind {
		case "ServiceAccount":
			var o corev1.ServiceAccount
			mustUnmarshal(t, doc, &o)
			o.Namespace = ns
			_, err = admin.Kube.CoreV1().ServiceAccounts(ns).Create(ctx, &o, metav1.CreateOptions{})
		case "Role":
			var o rbacv1.Role
			mustUnmarshal(t, doc, &o)
			o.Namespace = ns
			_, err = admin.Kube.RbacV1().Roles(ns).Create(ctx, &o, metav1.CreateOptions{})
		case "RoleBinding":
			var o rbacv1.RoleBinding
			mustUnmarshal(t, doc, &o)
			o.Namespace = ns
			subjects(o.Subjects)
			_, err = admin.Kube.RbacV1().RoleBindings(ns).Create(ctx, &o, metav1.CreateOptions{})
		case "ClusterRole":
			var o rbacv1.ClusterRole
			mustUnmarshal(t, doc, &o)
			o.Name += "-" + suffix
			_, err = admin.Kube.RbacV1().ClusterRoles().Create(ctx, &o, metav1.CreateOptions{})
			t.Cleanup(func() {
				_ = admin.Kube.RbacV1().ClusterRoles().Delete(context.Background(), o.Name, metav1.DeleteOptions{})
			})
		case "ClusterRoleBinding":
			var o rbacv1.ClusterRoleBinding
			mustUnmarshal(t, doc, &o)
			o.Name += "-" + suffix
			o.RoleRef.Name += "-" + suffix
			subjects(o.Subjects)
			_, err = admin.Kube.RbacV1().ClusterRoleBindings().Create(ctx, &o, metav1.CreateOptions{})
			t.Cleanup(func() {
				_ = admin.Kube.RbacV1().ClusterRoleBindings().Delete(context.Background(), o.Name, metav1.DeleteOptions{})
			})
		default:
			t.Fatalf("%s: unexpected kind %q", file, head.Kind)
		}
		if err != nil {
			t.Fatalf("%s: create %s: %v", file, head.Kind, err)
		}
	}
}

// rbacObjectsOfTheLibrary (a format taking the namespace) is what Grafana's Mimir library renders for
// Consul's sidekick (grafana/jsonnet-libs consul, as the Mimir 3.0.5
// environment of the e2e suite shows it: ServiceAccount, Role and
// RoleBinding consul-sidekick), with rules that mimirctl's own Role does not
// hold (watch, the extensions group): applying it takes escalate and bind
// (rollout-operator's Role and RoleBinding, on by default, are alike).
const rbacObjectsOfTheLibrary = `{
  consul_sidekick_service_account: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'consul-sidekick' } },
  consul_sidekick_role: {
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'consul-sidekick' },
    rules: [{ apiGroups: ['', 'extensions', 'apps'], resources: ['pods', 'replicasets'], verbs: ['get', 'list', 'watch'] }],
  },
  consul_sidekick_rolebinding: {
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'consul-sidekick' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'consul-sidekick' },
    subjects: [{ kind: 'ServiceAccount', name: 'consul-sidekick', namespace: '%s' }],
  },
}`

func mustUnmarshal(t *testing.T, doc string, into any) {
	t.Helper()
	if err := yaml.Unmarshal([]byte(doc), into); err != nil {
		t.Fatal(err)
	}
}
