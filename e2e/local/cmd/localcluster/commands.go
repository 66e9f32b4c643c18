package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/mimirctl/mimirctl/e2e/local/cluster"
	"github.com/mimirctl/mimirctl/e2e/local/internal/config"
	"github.com/mimirctl/mimirctl/e2e/local/internal/podlogs"
)

const usage = `usage: localcluster COMMAND [flags]

commands:
  up       start the cluster in the background and wait until it is ready
  down     stop the cluster and remove everything it created (also after a crash)
  status   show whether the cluster's components answer (--json for details)
  env      print shell exports: eval "$(localcluster env)"; --kubeconfig or
           --prometheus-url print just that value
  logs     print a container's log: logs [-f] [-p] [--tail N] NAMESPACE/POD [CONTAINER]

every command takes --state-dir (default ` + config.DefaultStateDir + `)
`

type usageError struct{ error }

func run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return usageError{fmt.Errorf("missing command")}
	}
	cmds := map[string]func(context.Context, []string) error{
		"up": cmdUp, "down": cmdDown, "status": cmdStatus, "env": cmdEnv, "logs": cmdLogs, "supervise": cmdSupervise,
	}
	cmd, ok := cmds[args[0]]
	if !ok {
		if args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
			fmt.Print(usage)
			return nil
		}
		return usageError{fmt.Errorf("unknown command %q", args[0])}
	}
	return cmd(ctx, args[1:])
}

// parse parses flags of a subcommand, turning flag errors into usage errors.
func parse(fs *flag.FlagSet, args []string) error {
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		return usageError{fmt.Errorf("%s: %w", fs.Name(), err)}
	}
	return nil
}

// imageFlags collects --image PATTERN=BINARY rules.
type imageFlags []cluster.ImageRule

func (f *imageFlags) String() string { return "" }

func (f *imageFlags) Set(v string) error {
	pattern, binary, ok := strings.Cut(v, "=")
	if !ok || pattern == "" || binary == "" {
		return fmt.Errorf("want PATTERN=BINARY, got %q", v)
	}
	*f = append(*f, cluster.ImageRule{Pattern: pattern, Binary: binary, Names: []string{binary}})
	return nil
}

func cmdUp(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("up", flag.ContinueOnError)
	var o cluster.Options
	var zones string
	var imgs imageFlags
	fs.StringVar(&o.StateDir, "state-dir", "", "state directory")
	fs.StringVar(&o.BinDir, "bin-dir", "", "directory of the component binaries (default e2e/local/bin)")
	fs.StringVar(&o.PodCIDR, "pod-cidr", "", "bridge subnet (default "+config.DefaultPodCIDR+")")
	fs.StringVar(&zones, "zones", "", "comma-separated zones (default zone-a,zone-b,zone-c)")
	fs.IntVar(&o.NodesPerZone, "nodes-per-zone", 0, "nodes per zone (default 3)")
	fs.IntVar(&o.APIServerPort, "api-port", 0, "API server port on the bridge address (default 6443)")
	fs.IntVar(&o.PrometheusPort, "prometheus-port", 0, "Prometheus port on 127.0.0.1 (default 9090)")
	fs.BoolVar(&o.NoPrometheus, "no-prometheus", false, "do not run Prometheus")
	fs.DurationVar(&o.ReadyTimeout, "timeout", 0, "how long to wait for readiness (default 3m)")
	fs.Var(&imgs, "image", "extra image rule PATTERN=BINARY (repeatable; BINARY in --bin-dir or absolute)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if zones != "" {
		o.Zones = strings.Split(zones, ",")
	}
	o.Images, o.Progress = imgs, os.Stderr
	c, err := cluster.Up(ctx, o)
	if err != nil {
		return err
	}
	printEnv(os.Stdout, c)
	return nil
}

func cmdDown(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("down", flag.ContinueOnError)
	var o cluster.DownOptions
	fs.StringVar(&o.StateDir, "state-dir", "", "state directory")
	fs.BoolVar(&o.KeepFiles, "keep-files", false, "keep the state directory (logs, volume data)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := cluster.Down(ctx, o); err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr, "✓ local cluster removed")
	return nil
}

func cmdStatus(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("status", flag.ContinueOnError)
	dir := fs.String("state-dir", "", "state directory")
	asJSON := fs.Bool("json", false, "print the health report as JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	h, err := cluster.Status(ctx, *dir)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(h)
	}
	printHealth(os.Stdout, h)
	if !h.Healthy() {
		return fmt.Errorf("local cluster at %s is not healthy (see %s)", h.Cluster.StateDir, h.Cluster.SupervisorLog)
	}
	return nil
}

func printHealth(w io.Writer, h *cluster.Health) {
	mark := func(ok bool) string {
		if ok {
			return "✓"
		}
		return "✗"
	}
	c := h.Cluster
	fmt.Fprintf(w, "state dir   %s (started %s, ready after %.1fs)\n", c.StateDir, c.StartedAt.Format("15:04:05"), c.StartupSeconds)
	fmt.Fprintf(w, "%s api server %s\n", mark(h.APIServer), c.APIServerURL)
	if c.PrometheusURL != "" {
		fmt.Fprintf(w, "%s prometheus %s\n", mark(h.Prometheus), c.PrometheusURL)
	}
	fmt.Fprintf(w, "%s nodes      %d/%d ready\n", mark(h.ReadyNodes == len(c.Nodes)), h.ReadyNodes, len(c.Nodes))
	for _, name := range h.ComponentNames() {
		fmt.Fprintf(w, "%s %s\n", mark(h.Components[name]), name)
	}
	fmt.Fprintf(w, "  pods       %v\n", h.Pods)
}

func cmdEnv(_ context.Context, args []string) error {
	fs := flag.NewFlagSet("env", flag.ContinueOnError)
	dir := fs.String("state-dir", "", "state directory")
	kubeconfig := fs.Bool("kubeconfig", false, "print only the kubeconfig path")
	promURL := fs.Bool("prometheus-url", false, "print only the Prometheus URL")
	if err := parse(fs, args); err != nil {
		return err
	}
	c, err := cluster.Load(*dir)
	if err != nil {
		return err
	}
	switch {
	case *kubeconfig:
		fmt.Println(c.Kubeconfig)
	case *promURL:
		fmt.Println(c.PrometheusURL)
	default:
		printEnv(os.Stdout, c)
	}
	return nil
}

func printEnv(w io.Writer, c *cluster.Cluster) {
	for _, kv := range c.Env() {
		fmt.Fprintf(w, "export %s=%q\n", kv[0], kv[1])
	}
}

func cmdLogs(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("logs", flag.ContinueOnError)
	dir := fs.String("state-dir", "", "state directory")
	prev := fs.Bool("p", false, "the previous run of the container")
	follow := fs.Bool("f", false, "follow the log")
	tail := fs.Int("tail", -1, "print only the last N lines")
	if err := parse(fs, args); err != nil {
		return err
	}
	rest := fs.Args()
	if len(rest) < 1 || len(rest) > 2 || !strings.Contains(rest[0], "/") {
		return usageError{fmt.Errorf("logs wants NAMESPACE/POD [CONTAINER]")}
	}
	ns, pod, _ := strings.Cut(rest[0], "/")
	container := ""
	if len(rest) == 2 {
		container = rest[1]
	}
	stateDir := *dir
	if stateDir == "" {
		stateDir = config.DefaultStateDir
	}
	path, err := podlogs.Find(config.Layout{Root: stateDir}, ns, pod, container, *prev)
	if err != nil {
		return err
	}
	if err := podlogs.Tail(os.Stdout, path, *tail); err != nil {
		return err
	}
	if *follow {
		podlogs.Follow(ctx, os.Stdout, path, func() {})
	}
	return nil
}

// cmdSupervise is the detached supervisor process started by up.
func cmdSupervise(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("supervise", flag.ContinueOnError)
	dir := fs.String("state-dir", config.DefaultStateDir, "state directory")
	if err := parse(fs, args); err != nil {
		return err
	}
	var o cluster.Options
	data, err := os.ReadFile(config.Layout{Root: *dir}.Options())
	if err != nil {
		return fmt.Errorf("read cluster options: %w", err)
	}
	if err := json.Unmarshal(data, &o); err != nil {
		return fmt.Errorf("decode cluster options: %w", err)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	return cluster.Run(ctx, o, log)
}
