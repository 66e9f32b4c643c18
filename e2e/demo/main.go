// Command demo is `make demo`: it brings up the local cluster, deploys a
// Mimir 2.16 cluster in microservices mode from Grafana's 2.16 jsonnet
// library (e2e/grafanalib: zone StatefulSets OnDelete, S3 storage on a
// Versity gateway), loads it with writes and queries, and runs mimirctl's
// microservices → read-write plan end to end through the library
// (pkg/mimirctl), printing its progress as `mimirctl apply` does
// (pkg/mimirctl/progress). It ends by reading back every sample written
// during the migration, and prints mimirctl command lines to look around.
//
// With -way-back (`make demo-back`) it takes the demo's cluster back to
// microservices with read-write-to-microservices the same way, under new
// traffic, and reads that back.
//
// Grafana's library renders the zones OnDelete for grafana/rollout-operator
// to roll; that operator cannot run on the local cluster, so the demo runs
// the e2e suite's stand-in controller (e2e/rolloutoperatorfake, a fake
// that rolls OnDelete rollout groups zone by zone) in-process while a plan
// runs. Run it as root (the local cluster uses network namespaces).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"maps"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/mimirctl/mimirctl/e2e/grafanalib"
	"github.com/mimirctl/mimirctl/e2e/local/cluster"
	"github.com/mimirctl/mimirctl/e2e/rolloutoperatorfake"
	"github.com/mimirctl/mimirctl/e2e/scenario"
	"github.com/mimirctl/mimirctl/pkg/kube"
	"github.com/mimirctl/mimirctl/pkg/mimirctl"
	"github.com/mimirctl/mimirctl/pkg/mimirctl/progress"
	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/plans"
)

func main() {
	ns := flag.String("namespace", "mimir-demo", "namespace of the demo's Mimir cluster")
	bin := flag.String("mimirctl", "bin/mimirctl", "the mimirctl binary (make build) that the printed commands to look around name")
	back := flag.Bool("way-back", false, "take the demo's cluster (after make demo) back to microservices instead")
	flag.Parse()
	// As the CLI: the first SIGINT or SIGTERM stops the run, which saves its
	// state; a second one kills the process at once.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop()
	}()
	err := run(ctx, *ns, *bin, *back)
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "demo: %v\n", err)
		os.Exit(1)
	}
}

func say(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "\n\033[1m==> "+format+"\033[0m\n", args...)
}

func run(ctx context.Context, ns, bin string, back bool) error {
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
	// The project stays where -way-back finds it.
	work := workDir(ns)
	envDir := filepath.Join(work, grafanalib.TestEnvironment(ns))
	opts := applyOptions(envDir, c.PrometheusURL, nil)
	if back {
		if _, err := os.Stat(envDir); err != nil {
			return fmt.Errorf("no demo environment at %s: run make demo first (%w)", envDir, err)
		}
		opts = wayBackOptions(envDir, c.PrometheusURL, nil)
	} else {
		say("deploying Mimir 2.16 in microservices mode from Grafana's jsonnet library (Tanka environment, namespace %s)", ns)
		if err := os.RemoveAll(work); err != nil {
			return err
		}
		env, err := scenario.DeployGrafana(ctx, clients, work, grafanalib.Mimir216, ns, scenario.LongTermData)
		if err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "%d objects ready in %s; environment %s\n", env.Objects, env.Took.Round(time.Second), env.Dir)
		gw := map[string]map[string]string{scenario.GatewayWrite: scenario.Name("distributor"), scenario.GatewayRead: scenario.Name("query-frontend"), scenario.GatewayBackend: scenario.Name("ruler")}
		if err := scenario.Gateways(ctx, clients, ns, gw); err != nil {
			return err
		}
	}
	say("the rollout-operator stand-in (e2e/rolloutoperatorfake, a fake) rolls the OnDelete zones while the plan runs")
	ctl := &rolloutoperatorfake.Controller{Kube: clients.Kube, Namespace: ns, Interval: time.Second,
		Log: func(format string, args ...any) {
			fmt.Fprintf(os.Stderr, "  rollout-operator stand-in: "+format+"\n", args...)
		}}
	ctlCtx, stopCtl := context.WithCancel(ctx)
	ctlDone := make(chan struct{})
	go func() { defer close(ctlDone); ctl.Run(ctlCtx) }()
	defer func() { stopCtl(); <-ctlDone }()

	writer := "demo"
	if back {
		writer = "demo-back"
	}
	tr, err := scenario.StartTraffic(clients, ns, map[string]map[string]string{writer: nil})
	if err != nil {
		return err
	}
	defer tr.Stop()
	say("writing %d series every %s and querying through the gateway Services; warming up 30s", scenario.SeriesPerWrite, scenario.WriteInterval)
	if err := sleep(ctx, 30*time.Second); err != nil {
		return err
	}
	say("mimirctl apply %s", opts.Plan)
	t := target(c.Kubeconfig, ns)
	p := progress.NewPrinter(os.Stderr, progress.Options{Terminal: progress.ColorTerminal(os.Stderr), Now: t.Clock.Now})
	opts.Hooks.Events = p
	err = mimirctl.Apply(ctx, t, opts)
	p.Stop()
	if err != nil {
		return fmt.Errorf("mimirctl apply: %w (see `%s --kubeconfig %s -n %s status`)", err, bin, c.Kubeconfig, ns)
	}
	tr.Stop()
	return verify(ctx, tr, c, ns, bin, back)
}

// workDir is where the demo writes its Tanka project for namespace ns.
func workDir(ns string) string { return filepath.Join(os.TempDir(), "mimirctl-demo-"+ns) }

func verify(ctx context.Context, tr *scenario.Traffic, c *cluster.Cluster, ns, bin string, back bool) error {
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
	if q.Failed > 0 {
		fmt.Fprintf(os.Stderr, "         failed at %s UTC; last: %s\n", q.FailedTimes(), q.LastError)
	}
	if st.Refused > 0 {
		fmt.Fprintf(os.Stderr, "refusals (latest): %s\n", strings.Join(st.LastErrors, "; "))
	}
	if rep.LostCount > 0 {
		return fmt.Errorf("%d samples lost: %v", rep.LostCount, rep.Lost)
	}
	if err := scenario.CheckRefusals(st.Pushes, st.Refused, st.LastErrors); err != nil {
		return err
	}
	if err := q.Check(); err != nil {
		return err
	}
	mode := "read-write"
	if back {
		mode = "microservices"
	}
	say("done: the cluster runs in %s mode, no sample was lost, and writes and queries went on (failures within the tolerance)", mode)
	fmt.Fprintf(os.Stderr, "look around:  %s --kubeconfig %s -n %s status\n", filepath.Clean(bin), c.Kubeconfig, ns)
	fmt.Fprintf(os.Stderr, "              %s --kubeconfig %s -n %s ring ingester\n", filepath.Clean(bin), c.Kubeconfig, ns)
	if !back {
		fmt.Fprintf(os.Stderr, "go back:      make demo-back (read-write-to-microservices, with the rollout-operator stand-in)\n")
	}
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

// wayBackOptions are -way-back's run, as `mimirctl apply
// read-write-to-microservices --env ENV --prometheus-url URL --yes
// --force-flush` with the routing the demo used and the microservices'
// replicas (scenario.WayBackReplicas): a run that finishes.
func wayBackOptions(envDir, prometheusURL string, events plan.EventSink) mimirctl.ApplyOptions {
	o := applyOptions(envDir, prometheusURL, events)
	o.Plan = "read-write-to-microservices"
	o.Params = values(routing())
	maps.Copy(o.Params, scenario.WayBackParams())
	return o
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
