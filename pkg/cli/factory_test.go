package cli

import (
	"context"
	"errors"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/spf13/cobra"

	"github.com/mimirctl/mimirctl/pkg/mimirctl"
	"github.com/mimirctl/mimirctl/pkg/plan"
)

// worldProbe is a Factory whose every way to the world is watched: an API
// server (named by a kubeconfig passed with --kubeconfig) counting the
// requests it gets, and a binder, action registry, clock and built-in
// plans that count their uses. State lives in the cluster (the
// configmap default), so reading it is a request too.
type worldProbe struct {
	f          *Factory
	kubeconfig string
	env        string // an empty Tanka environment directory
	requests   atomic.Int64
	uses       map[string]*atomic.Int64
}

func newWorldProbe(t *testing.T) *worldProbe {
	w := &worldProbe{uses: map[string]*atomic.Int64{}}
	for _, n := range []string{"binder", "registry", "clock", "plans"} {
		w.uses[n] = &atomic.Int64{}
	}
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, _ *http.Request) {
		w.requests.Add(1)
		http.Error(rw, "the parse layer must not call the API server", http.StatusTeapot)
	}))
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	w.kubeconfig = filepath.Join(dir, "kubeconfig")
	kc := `apiVersion: v1
kind: Config
clusters: [{name: probe, cluster: {server: "` + srv.URL + `"}}]
users: [{name: probe, user: {token: probe}}]
contexts: [{name: probe, context: {cluster: probe, user: probe, namespace: mimir}}]
current-context: probe
`
	if err := os.WriteFile(w.kubeconfig, []byte(kc), 0o600); err != nil {
		t.Fatal(err)
	}
	w.env = filepath.Join(dir, "env")
	if err := os.Mkdir(w.env, 0o755); err != nil {
		t.Fatal(err)
	}
	target := mimirctl.NewTarget(countingFS{fs: fstest.MapFS{"demo/plan.yaml": {Data: []byte("name: demo\n")}}, n: w.uses["plans"]})
	target.Registry = func() *plan.Registry {
		w.uses["registry"].Add(1)
		return plan.NewRegistry()
	}
	target.Binder = func(context.Context, *mimirctl.Target, BindOptions) (plan.Binder, error) {
		w.uses["binder"].Add(1)
		return nil, errors.New("the parse layer must not bind")
	}
	target.Clock = countingClock{n: w.uses["clock"]}
	w.f = &Factory{Target: *target, IO: IOStreams{In: strings.NewReader(""), Out: &strings.Builder{}, ErrOut: &strings.Builder{}}}
	return w
}

// untouched fails t when anything was used, or the environment changed.
func (w *worldProbe) untouched(t *testing.T) {
	t.Helper()
	if n := w.requests.Load(); n > 0 {
		t.Errorf("%d requests reached the API server", n)
	}
	for name, n := range w.uses {
		if n.Load() > 0 {
			t.Errorf("the %s was used %d times", name, n.Load())
		}
	}
	if entries, err := os.ReadDir(w.env); err != nil || len(entries) > 0 {
		t.Errorf("the environment directory changed: %v %v", entries, err)
	}
}

type countingFS struct {
	fs fs.FS
	n  *atomic.Int64
}

func (c countingFS) Open(name string) (fs.File, error) {
	c.n.Add(1)
	return c.fs.Open(name)
}

type countingClock struct{ n *atomic.Int64 }

func (c countingClock) Now() time.Time {
	c.n.Add(1)
	return time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
}

func (c countingClock) Sleep(ctx context.Context, _ time.Duration) error {
	c.n.Add(1)
	return ctx.Err()
}

// captured is a runF that only records that it ran.
func captured[O any](ran *bool) func(context.Context, *O) error {
	return func(context.Context, *O) error {
		*ran = true
		return nil
	}
}

// TestParsingAnyCommandConnectsToNothing parses a full command line of
// every command in the tree NewRootCmd builds, global flags included, with
// the command's runF replaced by one that captures: the Factory's clients,
// pod access, state store, binder, plans and clock are built or used only
// when a command runs, never while its flags are parsed and checked.
func TestParsingAnyCommandConnectsToNothing(t *testing.T) {
	type parsed struct {
		build func(f *Factory, ran *bool) *cobra.Command
		args  func(w *worldProbe) []string
	}
	noArgs := func(*worldProbe) []string { return nil }
	commands := map[string]parsed{
		"plans list": {func(f *Factory, ran *bool) *cobra.Command { return NewCmdPlansList(f, captured[PlansListOptions](ran)) }, noArgs},
		"plans show": {func(f *Factory, ran *bool) *cobra.Command { return NewCmdPlansShow(f, captured[PlansShowOptions](ran)) },
			func(*worldProbe) []string { return []string{"demo", "-p", "replicas=5"} }},
		"plan": {func(f *Factory, ran *bool) *cobra.Command { return NewCmdPlan(f, captured[PlanOptions](ran)) },
			func(w *worldProbe) []string {
				return []string{"demo", "-p", "replicas=5", "--env", w.env, "--until", "06:00", "--window", "1h"}
			}},
		"apply": {func(f *Factory, ran *bool) *cobra.Command { return NewCmdApply(f, captured[ApplyOptions](ran)) },
			func(w *worldProbe) []string {
				return []string{"demo", "-p", "replicas=5", "--env", w.env, "--until", "06:00", "-y", "--prometheus-url", "http://prometheus:9090"}
			}},
		"resume": {func(f *Factory, ran *bool) *cobra.Command { return NewCmdResume(f, captured[ResumeOptions](ran)) },
			func(w *worldProbe) []string { return []string{"--env", w.env, "--window", "1h", "--yes"} }},
		"status": {func(f *Factory, ran *bool) *cobra.Command { return NewCmdStatus(f, captured[StatusOptions](ran)) }, noArgs},
		"approve": {func(f *Factory, ran *bool) *cobra.Command { return NewCmdApprove(f, captured[ApproveOptions](ran)) },
			func(*worldProbe) []string { return []string{"2-route", "--as", "alice", "-m", "done"} }},
		"abort": {func(f *Factory, ran *bool) *cobra.Command { return NewCmdAbort(f, captured[AbortOptions](ran)) },
			func(*worldProbe) []string { return []string{"--force-unlock", "lock-1"} }},
		"version": {func(f *Factory, ran *bool) *cobra.Command { return NewCmdVersion(f, captured[VersionOptions](ran)) }, noArgs},
		"ring": {func(f *Factory, ran *bool) *cobra.Command { return NewCmdRing(f, captured[RingOptions](ran)) },
			func(*worldProbe) []string { return []string{"ingester", "--forget", "ingester-zone-a-0", "--yes"} }},
		"init": {func(f *Factory, ran *bool) *cobra.Command { return NewCmdInit(f, captured[InitOptions](ran)) },
			func(w *worldProbe) []string { return []string{"--env", w.env} }},
		"diff": {func(f *Factory, ran *bool) *cobra.Command { return NewCmdDiff(f, captured[DiffOptions](ran)) },
			func(w *worldProbe) []string { return []string{"--env", w.env, "--apply-mode", "external"} }},
		"render": {func(f *Factory, ran *bool) *cobra.Command { return NewCmdRender(f, captured[RenderOptions](ran)) },
			func(w *worldProbe) []string { return []string{"--env", w.env, "--as-applied"} }},
		"compare": {func(f *Factory, ran *bool) *cobra.Command { return NewCmdCompare(f, captured[CompareOptions](ran)) },
			func(w *worldProbe) []string { return []string{"--env", w.env} }},
		"ingester shutdown-zone": {func(f *Factory, ran *bool) *cobra.Command {
			return NewCmdIngesterShutdownZone(f, captured[ShutdownZoneOptions](ran))
		}, func(w *worldProbe) []string {
			return []string{"zone-a", "--env", w.env, "--statefulset", "ingester-a", "-y"}
		}},
	}

	// Every command that runs is in the table, so that a new one is
	// checked too.
	var inTree, inTable []string
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Runnable() && c.HasParent() {
			inTree = append(inTree, subcommandPath(c))
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(NewRootCmd(&Factory{}))
	for path := range commands {
		inTable = append(inTable, path)
	}
	sort.Strings(inTree)
	sort.Strings(inTable)
	if strings.Join(inTree, ", ") != strings.Join(inTable, ", ") {
		t.Fatalf("commands of NewRootCmd:\n  %s\nchecked here:\n  %s", strings.Join(inTree, ", "), strings.Join(inTable, ", "))
	}

	for path, p := range commands {
		t.Run(path, func(t *testing.T) {
			w := newWorldProbe(t)
			root := NewRootCmd(w.f)
			old, _, err := root.Find(strings.Fields(path))
			if err != nil {
				t.Fatal(err)
			}
			var ran bool
			parent := old.Parent()
			parent.RemoveCommand(old)
			parent.AddCommand(p.build(w.f, &ran))
			args := append([]string{"--kubeconfig", w.kubeconfig, "-n", "mimir", "-o", "json"}, strings.Fields(path)...)
			if err := execute(root, append(args, p.args(w)...)); err != nil {
				t.Fatal(err)
			}
			if !ran {
				t.Fatal("runF did not run")
			}
			w.untouched(t)
		})
	}
}

// TestWorldProbeNoticesARun is the control of the test above: the same
// probe, with status run for real, sees the request that reads the state.
func TestWorldProbeNoticesARun(t *testing.T) {
	w := newWorldProbe(t)
	if err := execute(NewRootCmd(w.f), []string{"--kubeconfig", w.kubeconfig, "status"}); err == nil {
		t.Fatal("status succeeded against a server that answers every request with 418")
	}
	if w.requests.Load() == 0 {
		t.Error("status reached no API server: the probe would not notice a parse layer that connects")
	}
}
