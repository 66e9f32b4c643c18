// Command demo is `make demo`: it brings up the local cluster, deploys a
// Mimir 2.9 cluster in microservices mode, loads it with writes and queries,
// and runs mimirctl's microservices → read-write plan end to end with its
// normal output. It ends by reading back every sample written during the
// migration. Run it as root (the local cluster uses network namespaces).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/mimirctl/mimirctl/e2e/local/cluster"
	"github.com/mimirctl/mimirctl/e2e/scenario"
	"github.com/mimirctl/mimirctl/pkg/kube"
)

func main() {
	ns := flag.String("namespace", "mimir-demo", "namespace of the demo's Mimir cluster")
	bin := flag.String("mimirctl", "bin/mimirctl", "the mimirctl binary (make build)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, *ns, *bin)
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "demo: %v\n", err)
		os.Exit(1)
	}
}

func say(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "\n\033[1m==> "+format+"\033[0m\n", args...)
}

func run(ctx context.Context, ns, bin string) error {
	if os.Geteuid() != 0 {
		return errors.New("the local cluster needs root (network namespaces, bind mounts): run make demo as root")
	}
	say("starting the local Kubernetes cluster (real API server, real Mimir processes, no Docker)")
	c, err := cluster.Up(ctx, cluster.Options{StateDir: os.Getenv("MCTL_STATE_DIR"), Progress: os.Stderr})
	if err != nil {
		return err
	}
	clients, err := clientsOf(c)
	if err != nil {
		return err
	}
	say("deploying Mimir 2.9 in microservices mode (Tanka environment, namespace %s)", ns)
	work, err := os.MkdirTemp("", "mimirctl-demo-")
	if err != nil {
		return err
	}
	env, err := scenario.Deploy(ctx, clients, work, "environments/mimir", ns, scenario.LongTermData)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "%d objects ready in %s; environment %s\n", env.Objects, env.Took.Round(time.Second), env.Dir)
	gw := map[string]string{scenario.GatewayWrite: "distributor", scenario.GatewayRead: "query-frontend", scenario.GatewayBackend: "ruler"}
	if err := scenario.Gateways(ctx, clients, ns, gw); err != nil {
		return err
	}
	tr, err := scenario.StartTraffic(clients, ns, map[string]map[string]string{"demo": nil})
	if err != nil {
		return err
	}
	defer tr.Stop()
	say("writing %d series every %s and querying through the gateway Services; warming up 30s", scenario.SeriesPerWrite, scenario.WriteInterval)
	if err := sleep(ctx, 30*time.Second); err != nil {
		return err
	}
	say("mimirctl apply microservices-to-read-write")
	args := append([]string{"--kubeconfig", c.Kubeconfig, "-n", ns, "apply", "microservices-to-read-write", "--env", env.Dir,
		"--prometheus-url", c.PrometheusURL, "--yes", "--force-flush", "-p", "mimirReadReplicas=1"}, routing()...)
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("mimirctl apply: %w (see `%s --kubeconfig %s -n %s status`)", err, bin, c.Kubeconfig, ns)
	}
	tr.Stop()
	return verify(ctx, tr, c, ns, bin, env.Dir)
}

func verify(ctx context.Context, tr *scenario.Traffic, c *cluster.Cluster, ns, bin, envDir string) error {
	say("reading back every sample written during the migration")
	w := tr.Writers[0]
	st := w.Stats()
	rep, err := tr.ReadBack(ctx, w.Name, st.Accepted)
	if err != nil {
		return err
	}
	q := tr.Queries()
	fmt.Fprintf(os.Stderr, "writes: %d pushes, %d stored, %d refused; samples stored %d, read back %d, lost %d\n",
		st.Pushes, len(st.Accepted), st.Refused, rep.Expected, rep.Found, rep.LostCount)
	fmt.Fprintf(os.Stderr, "queries: %d, %d failed (at most %d in a row)\n", q.Queries, q.Failed, q.MaxFailedInARow)
	if rep.LostCount > 0 {
		return fmt.Errorf("%d samples lost: %v", rep.LostCount, rep.Lost)
	}
	if st.Refused*50 > st.Pushes {
		return fmt.Errorf("%d of %d pushes refused, more than 2%%: %v", st.Refused, st.Pushes, st.LastErrors)
	}
	say("done: the cluster runs in read-write mode, no sample was lost and writes went on")
	fmt.Fprintf(os.Stderr, "look around:  %s --kubeconfig %s -n %s status\n", filepath.Clean(bin), c.Kubeconfig, ns)
	fmt.Fprintf(os.Stderr, "              %s --kubeconfig %s -n %s ring ingester\n", filepath.Clean(bin), c.Kubeconfig, ns)
	fmt.Fprintf(os.Stderr, "go back:      %s\n", strings.Join(goBack(bin, c.Kubeconfig, ns, envDir, c.PrometheusURL), " "))
	fmt.Fprintf(os.Stderr, "stop it all:  make cluster-down\n")
	return nil
}

// routing are the parameters of both read-write plans that point their
// routing steps at the demo's gateway Services, so that no step waits for a
// person.
func routing() []string {
	return []string{"-p", "tenant=" + scenario.Tenant, "-p", "readService=" + scenario.GatewayRead,
		"-p", "backendService=" + scenario.GatewayBackend, "-p", "writeService=" + scenario.GatewayWrite}
}

// goBack is the command that takes the demo's cluster back to
// microservices, with the routing the demo used: a command that finishes.
func goBack(bin, kubeconfig, ns, envDir, prometheusURL string) []string {
	return append([]string{filepath.Clean(bin), "--kubeconfig", kubeconfig, "-n", ns, "apply", "read-write-to-microservices",
		"--env", envDir, "--prometheus-url", prometheusURL, "--force-flush"}, append(routing(), scenario.WayBackReplicas()...)...)
}

func clientsOf(c *cluster.Cluster) (*kube.Clients, error) {
	cfg, err := c.RESTConfig()
	if err != nil {
		return nil, err
	}
	cfg.QPS, cfg.Burst = 50, 100
	return kube.NewClients(cfg, "default", "")
}

func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}
