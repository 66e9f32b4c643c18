//go:build e2e

package tankaenv

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/mimirctl/mimirctl/e2e/local/cluster"
	"github.com/mimirctl/mimirctl/pkg/kube"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
	"github.com/mimirctl/mimirctl/pkg/ringcheck"
	"github.com/mimirctl/mimirctl/pkg/tanka"
)

// The local cluster is shared by the tests of this package: reused when
// one runs at $MCTL_STATE_DIR (default /tmp/mctl-localcluster), else
// started once and removed by TestMain. $MCTL_POD_CIDR and
// $MCTL_PROMETHEUS_PORT let a started cluster coexist with another one.
var shared struct {
	once    sync.Once
	c       *cluster.Cluster
	err     error
	started bool
	upTime  time.Duration
	// reported is set once a test has logged the start-up time.
	reported bool
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.started {
		start := time.Now()
		if err := cluster.Down(context.Background(), cluster.DownOptions{StateDir: shared.c.StateDir}); err != nil {
			fmt.Fprintf(os.Stderr, "local cluster down: %v\n", err)
			code = 1
		}
		fmt.Fprintf(os.Stderr, "TIMING local cluster down in %.1fs\n", time.Since(start).Seconds())
	}
	os.Exit(code)
}

// env is one test's handle on the cluster.
type env struct {
	c       *cluster.Cluster
	clients *kube.Clients
	pods    *podaccess.Client
}

func localCluster(ctx context.Context, t *testing.T) *env {
	t.Helper()
	shared.once.Do(func() {
		stateDir := os.Getenv("MCTL_STATE_DIR")
		if c, err := cluster.Load(stateDir); err == nil {
			shared.c = c
			return
		}
		opts := cluster.Options{StateDir: stateDir, PodCIDR: os.Getenv("MCTL_POD_CIDR"), Progress: testLog{t}}
		if p := os.Getenv("MCTL_PROMETHEUS_PORT"); p != "" {
			opts.PrometheusPort, _ = strconv.Atoi(p)
		}
		start := time.Now()
		shared.c, shared.err = cluster.Up(ctx, opts)
		shared.upTime = time.Since(start)
		shared.started = shared.err == nil
	})
	if shared.err != nil {
		t.Fatalf("local cluster: %v", shared.err)
	}
	if shared.started && !shared.reported {
		shared.reported = true
		t.Logf("TIMING local cluster up in %.1fs (supervisor: %.1fs)", shared.upTime.Seconds(), shared.c.StartupSeconds)
	} else {
		t.Logf("using the local cluster at %s", shared.c.StateDir)
	}
	cfg, err := shared.c.RESTConfig()
	if err != nil {
		t.Fatal(err)
	}
	clients, err := kube.NewClients(cfg, "", "")
	if err != nil {
		t.Fatal(err)
	}
	pods, err := podaccess.NewProxy(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &env{c: shared.c, clients: clients, pods: pods}
}

// deploy renders environment name of the project at root with overlay,
// applies it and waits until every workload is ready; it returns how long
// that took.
func (e *env) deploy(ctx context.Context, t *testing.T, root, name string, overlay *tanka.Overlay) time.Duration {
	t.Helper()
	start := time.Now()
	res, err := Render(ctx, root, name, overlay)
	if err != nil {
		t.Fatalf("render %s: %v", name, err)
	}
	if _, _, err := Apply(ctx, e.clients, res); err != nil {
		t.Fatal(err)
	}
	waitCtx, cancel := context.WithTimeout(ctx, 20*time.Minute)
	defer cancel()
	if err := WaitReady(waitCtx, e.clients, res.Objects, &progressLog{t: t, every: 30 * time.Second}); err != nil {
		e.dumpNotReady(t, res.Env.Spec.Spec.Namespace)
		t.Fatalf("%s not ready: %v", name, err)
	}
	return time.Since(start)
}

// dumpNotReady logs the tail of the logs of pods that are not ready.
func (e *env) dumpNotReady(t *testing.T, ns string) {
	list, err := e.clients.Kube.CoreV1().Pods(ns).List(context.Background(), metav1.ListOptions{})
	if err != nil {
		return
	}
	for _, p := range list.Items {
		ready := false
		for _, c := range p.Status.Conditions {
			ready = ready || (c.Type == "Ready" && c.Status == "True")
		}
		if ready {
			continue
		}
		path, err := e.c.PodLogPath(ns, p.Name, "", false)
		if err != nil {
			t.Logf("pod %s not ready (%s), no log: %v", p.Name, p.Status.Phase, err)
			continue
		}
		b, _ := os.ReadFile(path)
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		t.Logf("pod %s not ready (%s); log tail %s:\n%s", p.Name, p.Status.Phase, path, strings.Join(lines[max(0, len(lines)-15):], "\n"))
	}
}

// removeNamespace deletes ns and waits for it to go, so that the next test
// has the CPU; kept with MCTL_KEEP=1 for debugging.
func (e *env) removeNamespace(t *testing.T, ns string) {
	if os.Getenv("MCTL_KEEP") != "" {
		t.Logf("MCTL_KEEP set: namespace %s stays", ns)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	start := time.Now()
	defer func() { t.Logf("TIMING namespace %s removed in %.1fs", ns, time.Since(start).Seconds()) }()
	if err := e.clients.Kube.CoreV1().Namespaces().Delete(ctx, ns, metav1.DeleteOptions{}); err != nil {
		t.Logf("delete namespace %s: %v", ns, err)
		return
	}
	for ctx.Err() == nil {
		if _, err := e.clients.Kube.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{}); err != nil {
			return
		}
		time.Sleep(2 * time.Second)
	}
	t.Logf("namespace %s still terminating", ns)
}

// pod returns the first running pod matching labels.
func (e *env) pod(ctx context.Context, t *testing.T, ns, labels string) podaccess.Target {
	t.Helper()
	var last string
	for ctx.Err() == nil {
		r, err := podaccess.Resolve(ctx, e.clients.Kube, ns, podaccess.Selector{Labels: labels})
		if err == nil && len(r.Targets) > 0 {
			return r.Targets[0]
		}
		last = fmt.Sprint(err, r.NotReady)
		time.Sleep(2 * time.Second)
	}
	t.Fatalf("no running pod %s in %s: %s", labels, ns, last)
	return podaccess.Target{}
}

// waitRing polls the ring page at path of pod (labels) until judge accepts
// it, and returns the accepted ring.
func (e *env) waitRing(ctx context.Context, t *testing.T, ns, labels, path string, timeout time.Duration, judge func(*ringcheck.Ring) string) *ringcheck.Ring {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var problem string
	for {
		target := e.pod(ctx, t, ns, labels)
		ring, err := ringcheck.Fetch(ctx, e.pods, target, path)
		if err != nil {
			problem = err.Error()
		} else if problem = judge(ring); problem == "" {
			var ids []string
			for _, in := range ring.Instances {
				ids = append(ids, in.ID+"("+in.Zone+")")
			}
			t.Logf("RING %s on %s: %d ACTIVE: %s", path, target.Name, len(ids), strings.Join(ids, " "))
			return ring
		}
		select {
		case <-ctx.Done():
			t.Fatalf("ring %s of %s: %s", path, labels, problem)
			return nil
		case <-time.After(3 * time.Second):
		}
	}
}

// members judges a ring: exactly the given ids, all ACTIVE, in the zones
// given (zone "" when the ring has no zones).
func members(want map[string]string) func(*ringcheck.Ring) string {
	return func(r *ringcheck.Ring) string {
		got := map[string]string{}
		var desc []string
		for _, in := range r.Instances {
			got[in.ID] = in.Zone
			desc = append(desc, fmt.Sprintf("%s(%s,%s)", in.ID, in.Zone, in.State))
			if in.State != ringcheck.StateActive {
				return "not all ACTIVE: " + strings.Join(desc, " ")
			}
		}
		if len(got) != len(want) {
			return fmt.Sprintf("%d members, want %d: %s", len(got), len(want), strings.Join(desc, " "))
		}
		for id, zone := range want {
			if z, ok := got[id]; !ok || z != zone {
				return fmt.Sprintf("want %s in zone %q: %s", id, zone, strings.Join(desc, " "))
			}
		}
		return ""
	}
}

// prefixed judges a ring by member id prefixes: count of each, all ACTIVE
// (for Deployment pods, whose names end in a hash).
func prefixed(want map[string]int) func(*ringcheck.Ring) string {
	return func(r *ringcheck.Ring) string {
		got := map[string]int{}
		var desc []string
		for _, in := range r.Instances {
			desc = append(desc, fmt.Sprintf("%s(%s)", in.ID, in.State))
			if in.State != ringcheck.StateActive {
				return "not all ACTIVE: " + strings.Join(desc, " ")
			}
			for p := range want {
				if strings.HasPrefix(in.ID, p) {
					got[p]++
				}
			}
		}
		for p, n := range want {
			if got[p] != n {
				return fmt.Sprintf("%d members named %s*, want %d: %s", got[p], p, n, strings.Join(desc, " "))
			}
		}
		if total := len(r.Instances); total != sum(want) {
			return fmt.Sprintf("%d members, want %d: %s", total, sum(want), strings.Join(desc, " "))
		}
		return ""
	}
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// memory sums the resident memory of the cluster's processes (those the
// local cluster marks with MCTL_LOCALCLUSTER=<state dir>) and of its Mimir
// processes, in MiB.
func memory(stateDir string) (total, mimir float64, procs int) {
	marker := []byte("MCTL_LOCALCLUSTER=" + stateDir + "\x00")
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		env, err := os.ReadFile(filepath.Join(d, "environ"))
		if err != nil || !bytes.Contains(append(env, 0), marker) {
			continue
		}
		status, err := os.ReadFile(filepath.Join(d, "status"))
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(status), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
				kb, _ := strconv.ParseFloat(f[1], 64)
				total += kb / 1024
				procs++
				if exe, _ := os.Readlink(filepath.Join(d, "exe")); strings.Contains(filepath.Base(exe), "mimir") {
					mimir += kb / 1024
				}
			}
		}
	}
	return total, mimir, procs
}

func (e *env) logMemory(t *testing.T, when string) {
	total, mimir, n := memory(e.c.StateDir)
	t.Logf("MEMORY %s: %d cluster processes, %.0f MiB resident, of which Mimir %.0f MiB", when, n, total, mimir)
}

type testLog struct{ t *testing.T }

func (w testLog) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// progressLog logs WaitReady's progress lines at most every `every`.
type progressLog struct {
	t     *testing.T
	every time.Duration
	last  time.Time
}

func (p *progressLog) Write(b []byte) (int, error) {
	if time.Since(p.last) >= p.every {
		p.last = time.Now()
		p.t.Log(strings.TrimSpace(string(b)))
	}
	return len(b), nil
}
