//go:build e2e

package suite

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/tools/clientcmd"

	"github.com/mimirctl/mimirctl/e2e/local/cluster"
	"github.com/mimirctl/mimirctl/pkg/kube"
	"github.com/mimirctl/mimirctl/pkg/mimirctl"
	"github.com/mimirctl/mimirctl/plans"
)

// harness is the cluster the suite runs on and the mimirctl binary.
var harness struct {
	kubeconfig string
	prometheus string
	clients    *kube.Clients
	mimirctl   string
	// cache is the binary's cache directory (XDG_CACHE_HOME): its render
	// memo starts empty with each suite run and stays out of the user's.
	cache string
	// cluster is the local cluster the suite runs on (nil on a cluster
	// given by MIMIRCTL_E2E_KUBECONFIG).
	cluster *cluster.Cluster
	// rolloutOperatorImage: the environments on Grafana's library deploy
	// grafana/rollout-operator's own image with its webhooks, in place of
	// the stand-in (MIMIRCTL_E2E_ROLLOUT_OPERATOR=image; e2e/kind/run.sh).
	rolloutOperatorImage bool
}

func TestMain(m *testing.M) {
	code, err := run(m)
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}

func run(m *testing.M) (int, error) {
	ctx := context.Background()
	bin, err := os.MkdirTemp("", "mimirctl-e2e-bin-")
	if err != nil {
		return 1, err
	}
	defer os.RemoveAll(bin)
	harness.mimirctl = filepath.Join(bin, "mimirctl")
	harness.cache = filepath.Join(bin, "cache")
	root, err := cluster.ModuleRoot()
	if err != nil {
		return 1, err
	}
	build := exec.Command("go", "build", "-o", harness.mimirctl, "./cmd/mimirctl")
	build.Dir = root
	// The product's go.mod alone, as make build and go install build it
	// (the workspace would raise shared dependencies to the e2e module's).
	build.Env = append(os.Environ(), "GOWORK=off")
	if out, err := build.CombinedOutput(); err != nil {
		return 1, fmt.Errorf("build mimirctl: %v\n%s", err, out)
	}
	harness.kubeconfig = os.Getenv("MIMIRCTL_E2E_KUBECONFIG")
	harness.prometheus = os.Getenv("MIMIRCTL_E2E_PROMETHEUS_URL")
	if harness.rolloutOperatorImage, err = rolloutOperatorMode(os.Getenv(rolloutOperatorEnv), harness.kubeconfig); err != nil {
		return 1, err
	}
	if harness.kubeconfig == "" {
		stateDir := os.Getenv("MCTL_STATE_DIR")
		_, loadErr := cluster.Load(stateDir)
		startedHere := loadErr != nil // a cluster already running is someone else's to stop
		c, err := cluster.Up(ctx, cluster.Options{StateDir: stateDir, Progress: os.Stderr})
		if err != nil {
			return 1, fmt.Errorf("start the local cluster: %w", err)
		}
		harness.kubeconfig, harness.prometheus, harness.cluster = c.Kubeconfig, c.PrometheusURL, c
		// Pods of the image mimirctl:* run this build (images.Default).
		if err := installBinary(harness.mimirctl, filepath.Join(c.BinDir, "mimirctl")); err != nil {
			return 1, err
		}
		if startedHere && os.Getenv("MIMIRCTL_E2E_KEEP") != "1" {
			defer func() {
				if err := cluster.Down(context.Background(), cluster.DownOptions{StateDir: c.StateDir}); err != nil {
					fmt.Fprintf(os.Stderr, "e2e: stop the local cluster: %v\n", err)
				}
			}()
		}
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", harness.kubeconfig)
	if err != nil {
		return 1, fmt.Errorf("kubeconfig %s: %w", harness.kubeconfig, err)
	}
	cfg.QPS, cfg.Burst = 50, 100
	if harness.clients, err = kube.NewClients(cfg, "default", ""); err != nil {
		return 1, err
	}
	code := m.Run()
	reportCosts(os.Stderr)
	return code, nil
}

// installBinary copies the binary src to dst through a temporary file and a
// rename, so that a container starting meanwhile runs the old or the new
// binary, never a partial one.
func installBinary(src, dst string) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	tmp := dst + ".new"
	if err := os.WriteFile(tmp, data, 0o755); err != nil {
		return fmt.Errorf("install %s for the node agent: %w", dst, err)
	}
	if err := os.Rename(tmp, dst); err != nil {
		return fmt.Errorf("install %s for the node agent: %w", dst, err)
	}
	return nil
}

// result is one mimirctl invocation.
type result struct {
	stdout, stderr string
	code           int
	took           time.Duration
	// cpu (user and system, measureCPU) and peakRSS (bytes, runSampled) of
	// the process.
	cpu     time.Duration
	peakRSS int64
}

// cli runs the mimirctl binary against the cluster in namespace ns: for
// what tests the binary itself (runs, exit codes, the lock refusal, its
// output); reads go through the library on target(ns).
func cli(t *testing.T, ns string, args ...string) result {
	t.Helper()
	cmd := mimirctlCmd(context.Background(), ns, args...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	start := time.Now()
	peakRSS, err := runSampled(cmd)
	r := result{stdout: out.String(), stderr: errOut.String(), took: time.Since(start), peakRSS: peakRSS}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run mimirctl %v: %v", args, err)
	}
	measureCPU(cmd, &r)
	t.Logf("mimirctl %s → exit %d in %s\n%s", strings.Join(args, " "), r.code, r.took.Round(time.Second), tail(r.stderr, 40))
	recordCost(t, args, r)
	return r
}

func mimirctlCmd(ctx context.Context, ns string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, harness.mimirctl, append([]string{"--kubeconfig", harness.kubeconfig, "-n", ns}, args...)...)
	cmd.Env = append(os.Environ(), "MIMIRCTL_USER="+e2eUser, "NO_COLOR=1", "XDG_CACHE_HOME="+harness.cache)
	return cmd
}

// e2eUser is who runs, for locks: the binary's $MIMIRCTL_USER and the
// library's Target.Holder.
const e2eUser = "e2e"

// target is namespace ns of the suite's cluster for library calls, as
// mimirctlCmd's `--kubeconfig KUBECONFIG -n NS` selects it for the binary:
// run state in the ConfigMap mimirctl-state of ns (set StateName as
// --state-name does), pods reached through the API server's proxy, 30s per
// API request, locks held as e2eUser.
func target(ns string) *mimirctl.Target {
	t := mimirctl.NewTarget(plans.FS)
	t.Kube.Kubeconfig, t.Kube.Namespace = harness.kubeconfig, ns
	t.Holder = e2eUser
	return t
}

// tail keeps the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = append([]string{fmt.Sprintf("… %d lines before", len(lines)-n)}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}
