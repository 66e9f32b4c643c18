//go:build e2e

package cluster_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/mimirctl/mimirctl/e2e/local/cluster"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
)

const ns = "localcluster-e2e"

// TestLocalCluster brings the local cluster up (or reuses a running one),
// runs real Mimir 2.9 as a Deployment and as a 3-replica OrderedReady
// StatefulSet with PVCs, checks what the e2e suites rely on (including that
// the API server authorizes service accounts with RBAC), and, when it
// started the cluster, tears it down and asserts nothing is left.
func TestLocalCluster(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 12*time.Minute)
	defer cancel()
	c, owned := upOrReuse(ctx, t)
	cs, err := c.Client()
	if err != nil {
		t.Fatal(err)
	}
	cfg, _ := c.RESTConfig()
	pods, err := podaccess.NewProxy(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if owned {
		defer tearDown(t, c)
	} else {
		defer func() { _ = cs.CoreV1().Namespaces().Delete(context.Background(), ns, metav1.DeleteOptions{}) }()
	}
	start := time.Now()
	createWorkloads(ctx, t, cs)
	t.Run("the Deployment and the OrderedReady StatefulSet become ready", func(t *testing.T) {
		waitReady(ctx, t, cs, "name=mimir", 3)
		waitReady(ctx, t, cs, "name=mimir-single", 1)
		t.Logf("4 Mimir pods ready %.1fs after creation", time.Since(start).Seconds())
		if pids, err := cluster.Processes(c.StateDir); err == nil {
			t.Logf("cluster with 4 Mimir pods: %d processes, %d MB resident", len(pids), residentMB(pids))
		}
	})
	t.Run("pods answer through the API server's pod proxy", func(t *testing.T) {
		for _, p := range []string{"mimir-0", "mimir-1", "mimir-2"} {
			code, body, err := podaccess.Get(ctx, pods, podaccess.Target{Namespace: ns, Name: p, Port: 8080}, "/ready", nil)
			if err != nil || code != http.StatusOK || strings.TrimSpace(string(body)) != "ready" {
				t.Errorf("%s /ready: %d %q %v", p, code, body, err)
			}
		}
	})
	t.Run("cluster DNS names resolve inside a pod's network namespace", func(t *testing.T) {
		checkDNS(ctx, t, c)
	})
	t.Run("Mimir's Go resolver finds its peers: memberlist joins all three replicas into the ring", func(t *testing.T) {
		eventually(ctx, t, "ring of mimir-0 lists mimir-0, mimir-1 and mimir-2", func() (bool, string) {
			_, body, err := podaccess.Get(ctx, pods, podaccess.Target{Namespace: ns, Name: "mimir-0", Port: 8080}, "/ingester/ring", nil)
			s := string(body)
			return err == nil && strings.Contains(s, "mimir-0") && strings.Contains(s, "mimir-1") && strings.Contains(s, "mimir-2"), fmt.Sprint(err)
		})
	})
	t.Run("a ConfigMap change reaches the mounted file and Mimir reloads it", func(t *testing.T) {
		checkConfigMapUpdate(ctx, t, c, cs, pods)
	})
	t.Run("Prometheus scrapes every Mimir pod with Mimir's job labels", func(t *testing.T) {
		checkPrometheus(ctx, t, c)
	})
	t.Run("a deleted StatefulSet pod stops gracefully and comes back with its PVC data", func(t *testing.T) {
		checkPodRecreation(ctx, t, c, cs)
	})
	t.Run("the API server authorizes a service account's token with RBAC", func(t *testing.T) {
		checkRBAC(ctx, t, cfg, cs)
	})
}

// checkRBAC creates a ServiceAccount in ns, lists pods with a token of it
// (TokenRequest, as the node agent gets pods' tokens): Forbidden while no
// Role is bound to it, allowed once a Role granting list pods is bound.
func checkRBAC(ctx context.Context, t *testing.T, admin *rest.Config, cs kubernetes.Interface) {
	const name = "rbac-probe"
	if _, err := cs.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	tok, err := cs.CoreV1().ServiceAccounts(ns).CreateToken(ctx, name, &authenticationv1.TokenRequest{}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := rest.AnonymousClientConfig(admin)
	cfg.BearerToken = tok.Status.Token
	sa, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sa.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{}); !apierrors.IsForbidden(err) {
		t.Fatalf("service account %s/%s listed pods with no Role bound: want Forbidden, got %v", ns, name, err)
	}
	role := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: name},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"list"}}}}
	if _, err := cs.RbacV1().Roles(ns).Create(ctx, role, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	binding := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: name},
		Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Namespace: ns, Name: name}}}
	if _, err := cs.RbacV1().RoleBindings(ns).Create(ctx, binding, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(ctx, t, "the bound service account lists pods", func() (bool, string) {
		_, err := sa.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
		return err == nil, fmt.Sprint(err)
	})
	if _, err := sa.CoreV1().Secrets(ns).List(ctx, metav1.ListOptions{}); !apierrors.IsForbidden(err) {
		t.Errorf("service account %s/%s listed Secrets, which its Role does not grant: want Forbidden, got %v", ns, name, err)
	}
}

// upOrReuse returns the running cluster (left running afterwards) or starts
// one (torn down by the test).
func upOrReuse(ctx context.Context, t *testing.T) (*cluster.Cluster, bool) {
	if c, err := cluster.Load(os.Getenv("MCTL_STATE_DIR")); err == nil {
		t.Logf("reusing the local cluster at %s; it stays up", c.StateDir)
		return c, false
	}
	start := time.Now()
	c, err := cluster.Up(ctx, cluster.Options{StateDir: os.Getenv("MCTL_STATE_DIR"), Progress: testWriter{t}})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("cluster up in %.1fs (supervisor measured %.1fs)", time.Since(start).Seconds(), c.StartupSeconds)
	return c, true
}

func tearDown(t *testing.T, c *cluster.Cluster) {
	if t.Failed() {
		t.Logf("failed: supervisor log %s, pod logs under %s/logs/pods", c.SupervisorLog, c.StateDir)
		if b, err := os.ReadFile(c.SupervisorLog); err == nil {
			lines := strings.Split(string(b), "\n")
			t.Logf("supervisor log tail:\n%s", strings.Join(lines[max(0, len(lines)-40):], "\n"))
		}
	}
	start := time.Now()
	if err := cluster.Down(context.Background(), cluster.DownOptions{StateDir: c.StateDir}); err != nil {
		t.Fatalf("down: %v", err)
	}
	t.Logf("cluster down in %.1fs", time.Since(start).Seconds())
	left, err := cluster.Leftovers(c.StateDir)
	if err != nil || !left.Empty() {
		t.Errorf("left behind after down: %s (%v)", left, err)
	}
	if _, err := os.Stat(c.StateDir); !os.IsNotExist(err) {
		t.Errorf("state directory %s still exists", c.StateDir)
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// eventually polls check every second until it passes or ctx ends.
func eventually(ctx context.Context, t *testing.T, what string, check func() (bool, string)) {
	t.Helper()
	last := ""
	for {
		ok, detail := check()
		if ok {
			return
		}
		last = detail
		select {
		case <-ctx.Done():
			t.Fatalf("%s: not true before the deadline (last: %s)", what, last)
		case <-time.After(time.Second):
		}
	}
}

func waitReady(ctx context.Context, t *testing.T, cs kubernetes.Interface, selector string, want int) {
	t.Helper()
	eventually(ctx, t, fmt.Sprintf("%d ready pods with %s", want, selector), func() (bool, string) {
		list, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: selector})
		if err != nil {
			return false, err.Error()
		}
		ready := 0
		var states []string
		for _, p := range list.Items {
			if p.DeletionTimestamp == nil && podReady(&p) {
				ready++
			}
			states = append(states, fmt.Sprintf("%s=%s/%s", p.Name, p.Status.Phase, p.Status.PodIP))
		}
		return ready == want, strings.Join(states, " ")
	})
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func checkDNS(ctx context.Context, t *testing.T, c *cluster.Cluster) {
	for name, want := range map[string]int{
		"gossip-ring":                        3, // short name through the search path
		"mimir-1.mimir":                      1, // a StatefulSet pod's hostname
		"mimir." + ns + ".svc.cluster.local": 3,
	} {
		out, err := c.ExecInPodNetwork(ctx, ns, "mimir-0", "getent", "ahostsv4", name)
		ips := map[string]bool{}
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			if f := strings.Fields(line); len(f) > 0 {
				ips[f[0]] = true
			}
		}
		if err != nil || len(ips) != want {
			t.Errorf("getent ahostsv4 %s in mimir-0's netns: %d addresses (%v), want %d: %s", name, len(ips), err, want, out)
		}
	}
	if out, err := c.ExecInPodNetwork(ctx, ns, "mimir-0", "getent", "hosts", "nothing-here"); err == nil {
		t.Errorf("an unknown name resolved: %s", out)
	}
}

func checkConfigMapUpdate(ctx context.Context, t *testing.T, c *cluster.Cluster, cs kubernetes.Interface, pods *podaccess.Client) {
	patch := `{"data":{"runtime.yaml":"overrides:\n  e2e-tenant:\n    ingestion_rate: 12345\n"}}`
	changed := time.Now()
	if _, err := cs.CoreV1().ConfigMaps(ns).Patch(ctx, "mimir-runtime", types.MergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(ctx, t, "the new runtime config in mimir-2's /etc/mimir/runtime.yaml", func() (bool, string) {
		out, err := c.ExecInContainer(ctx, ns, "mimir-2", "mimir", "cat", "/etc/mimir/runtime.yaml")
		return err == nil && strings.Contains(string(out), "12345"), string(out) + fmt.Sprint(err)
	})
	t.Logf("ConfigMap change visible in the container after %.1fs", time.Since(changed).Seconds())
	eventually(ctx, t, "mimir-2 serves the reloaded runtime config", func() (bool, string) {
		_, body, err := podaccess.Get(ctx, pods, podaccess.Target{Namespace: ns, Name: "mimir-2", Port: 8080}, "/runtime_config", nil)
		return err == nil && strings.Contains(string(body), "12345"), string(body)
	})
	t.Logf("Mimir reloaded the runtime config after %.1fs", time.Since(changed).Seconds())
}

func checkPrometheus(ctx context.Context, t *testing.T, c *cluster.Cluster) {
	if c.PrometheusURL == "" {
		t.Skip("cluster runs without Prometheus")
	}
	for job, want := range map[string]int{ns + "/mimir": 3, ns + "/mimir-single": 1} {
		q := fmt.Sprintf(`count(up{job=%q, namespace=%q, container="mimir"} == 1)`, job, ns)
		eventually(ctx, t, q+" = "+fmt.Sprint(want), func() (bool, string) {
			v, err := promScalar(ctx, c.PrometheusURL, q)
			return err == nil && v == fmt.Sprint(want), v + fmt.Sprint(err)
		})
	}
}

// promScalar runs an instant query and returns the first sample's value.
func promScalar(ctx context.Context, base, query string) (string, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v1/query?query="+url.QueryEscape(query), nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var r struct {
		Data struct {
			Result []struct {
				Value []any `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return "", fmt.Errorf("decode %s: %w", body, err)
	}
	if len(r.Data.Result) == 0 {
		return "", fmt.Errorf("empty result")
	}
	return fmt.Sprint(r.Data.Result[0].Value[1]), nil
}

func checkPodRecreation(ctx context.Context, t *testing.T, c *cluster.Cluster, cs kubernetes.Interface) {
	if out, err := c.ExecInContainer(ctx, ns, "mimir-1", "mimir", "sh", "-c", "echo survived > /data/marker"); err != nil {
		t.Fatalf("write marker: %v: %s", err, out)
	}
	old, err := cs.CoreV1().Pods(ns).Get(ctx, "mimir-1", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := cs.CoreV1().Pods(ns).Delete(ctx, "mimir-1", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(ctx, t, "mimir-1 re-created and ready", func() (bool, string) {
		p, err := cs.CoreV1().Pods(ns).Get(ctx, "mimir-1", metav1.GetOptions{})
		if apierrors.IsNotFound(err) || err != nil {
			return false, fmt.Sprint(err)
		}
		return p.UID != old.UID && podReady(p), string(p.Status.Phase)
	})
	t.Logf("mimir-1 deleted, stopped and back ready in %.1fs", time.Since(start).Seconds())
	logs, err := os.ReadFile(c.PodLogDir(ns, "mimir-1", string(old.UID)) + "/mimir/0.log")
	if err != nil || !strings.Contains(string(logs), "SIGTERM") {
		t.Errorf("the old mimir-1 did not log a graceful SIGTERM shutdown (%v)", err)
	}
	out, err := c.ExecInContainer(ctx, ns, "mimir-1", "mimir", "cat", "/data/marker")
	if err != nil || strings.TrimSpace(string(out)) != "survived" {
		t.Errorf("PVC data after re-creation: %q, %v", out, err)
	}
}
