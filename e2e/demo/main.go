// Command demo is `make demo`: it brings up the local cluster, deploys a
// Mimir 2.9 cluster in microservices mode, loads it with writes and queries,
// and runs mimirctl's microservices → read-write plan end to end through the
// library (pkg/mimirctl), printing its progress as `mimirctl apply` does
// (pkg/mimirctl/progress). It ends by reading back every sample written
// during the migration, and prints mimirctl command lines to look around
// and to go back. Run it as root (the local cluster uses network
// namespaces).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/mimirctl/mimirctl/e2e/local/cluster"
	"github.com/mimirctl/mimirctl/e2e/scenario"
	"github.com/mimirctl/mimirctl/pkg/kube"
	"github.com/mimirctl/mimirctl/pkg/mimirctl"
	"github.com/mimirctl/mimirctl/pkg/mimirctl/progress"
	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/plans"
)

func main() {
	ns := flag.String("namespace", "mimir-demo", "namespace of the demo's Mimir cluster")
	bin := flag.String("mimirctl", "bin/mimirctl", "the mimirctl binary (make build) that the printed commands to look around and go back name")
	flag.Parse()
	// As the CLI: the first SIGINT or SIGTERM stops the run, which saves its
	// state; a second one kills the process at once.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop()
	}()
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
	t := target(c.Kubeconfig, ns)
	p := progress.NewPrinter(os.Stderr, progress.Options{Terminal: progress.ColorTerminal(os.Stderr), Now: t.Clock.Now})
	err = mimirctl.Apply(ctx, t, applyOptions(env.Dir, c.PrometheusURL, p))
	p.Stop()
	if err != nil {
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

// target is the demo's Mimir namespace on the local cluster, as
// `mimirctl --kubeconfig KUBECONFIG -n NS` selects it: run state in the
// ConfigMap mimirctl-state of NS, pods reached through the API server.
func target(kubeconfig, ns string) *mimirctl.Target {
	t := mimirctl.NewTarget(plans.FS)
	t.Kube.Kubeconfig, t.Kube.Namespace = kubeconfig, ns
	return t
}

// applyOptions are the demo's run, as `mimirctl apply
// microservices-to-read-write --env ENV --prometheus-url URL --yes
// --force-flush -p mimirReadReplicas=1` with the routing parameters: the
// CLI's defaults otherwise, and events to the given sink.
func applyOptions(envDir, prometheusURL string, events plan.EventSink) mimirctl.ApplyOptions {
	params := values(routing())
	params["mimirReadReplicas"] = "1"
	bind := mimirctl.DefaultBindOptions()
	bind.Env, bind.Prometheus.URL, bind.ForceFlush = envDir, prometheusURL, true
	return mimirctl.ApplyOptions{Plan: "microservices-to-read-write", Params: params, Bind: bind,
		Run: plan.ApplyOptions{Yes: true}, Hooks: mimirctl.RunHooks{Events: events}}
}

// param is a plan parameter's name and raw value.
type param struct{ name, value string }

// routing are the parameters of both read-write plans that point their
// routing steps at the demo's gateway Services, so that no step waits for a
// person.
func routing() []param {
	return []param{{"tenant", scenario.Tenant}, {"readService", scenario.GatewayRead},
		{"backendService", scenario.GatewayBackend}, {"writeService", scenario.GatewayWrite}}
}

// values are ps by name, as mimirctl.ApplyOptions.Params takes them.
func values(ps []param) map[string]string {
	out := make(map[string]string, len(ps))
	for _, p := range ps {
		out[p.name] = p.value
	}
	return out
}

// flags are ps as the command line's -p name=value, in order.
func flags(ps []param) []string {
	out := make([]string, 0, 2*len(ps))
	for _, p := range ps {
		out = append(out, "-p", p.name+"="+p.value)
	}
	return out
}

// goBack is the command that takes the demo's cluster back to
// microservices, with the routing the demo used: a command that finishes.
// It is printed for a person to run, so it names the binary.
func goBack(bin, kubeconfig, ns, envDir, prometheusURL string) []string {
	return append([]string{filepath.Clean(bin), "--kubeconfig", kubeconfig, "-n", ns, "apply", "read-write-to-microservices",
		"--env", envDir, "--prometheus-url", prometheusURL, "--force-flush"}, append(flags(routing()), scenario.WayBackReplicas()...)...)
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
