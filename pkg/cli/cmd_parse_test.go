package cli

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// The parse layer of commands built with NewCmdX(f, runF): flags and
// arguments become options, and nothing runs but the captured runF.

func TestNewCmdApproveParses(t *testing.T) {
	testParse(t, NewCmdApprove, func(t *testing.T, f *Factory, o *ApproveOptions) {
		checkFactory(t, o.Factory, f)
		o.Factory = nil
	}, map[string]parseCase[ApproveOptions]{
		"step only":      {args: []string{"2-route"}, want: ApproveOptions{Step: "2-route"}},
		"as and comment": {args: []string{"2-route", "--as", "alice", "-m", "LB switched"}, want: ApproveOptions{Step: "2-route", As: "alice", Comment: "LB switched"}},
		"long comment":   {args: []string{"--comment=done", "3-shutdown"}, want: ApproveOptions{Step: "3-shutdown", Comment: "done"}},
		"no step":        {args: nil, wantErr: "accepts 1 arg(s), received 0"},
		"two steps":      {args: []string{"a", "b"}, wantErr: "accepts 1 arg(s), received 2"},
		"unknown flag":   {args: []string{"a", "--by", "x"}, wantErr: "unknown flag: --by"},
	})
}

func TestNewCmdStatusParses(t *testing.T) {
	f := &Factory{}
	var got *StatusOptions
	runF := func(_ context.Context, o *StatusOptions) error { got = o; return nil }
	if err := execute(NewCmdStatus(f, runF), nil); err != nil {
		t.Fatal(err)
	}
	if got == nil || got.Factory != f {
		t.Fatalf("runF got %+v, want options with the factory", got)
	}
	got = nil
	if err := execute(NewCmdStatus(f, runF), []string{"extra"}); err == nil || got != nil {
		t.Fatalf("status with an argument: error %v, runF ran: %v; want a usage error and no run", err, got != nil)
	}
}

func TestNewCmdAbortParses(t *testing.T) {
	t.Setenv("MIMIRCTL_USER", "alice") // the default reason names who runs
	testParse(t, NewCmdAbort, func(t *testing.T, f *Factory, o *AbortOptions) {
		checkFactory(t, o.Factory, f)
		o.Factory = nil
	}, map[string]parseCase[AbortOptions]{
		"defaults":     {args: nil, want: AbortOptions{Reason: "aborted by alice"}},
		"reason":       {args: []string{"--reason", "window over"}, want: AbortOptions{Reason: "window over"}},
		"force unlock": {args: []string{"--force-unlock", "lock-1"}, want: AbortOptions{Reason: "aborted by alice", ForceUnlock: "lock-1"}},
		"an argument":  {args: []string{"now"}, wantErr: `unknown command "now" for "abort"`},
		"no --yes":     {args: []string{"-y"}, wantErr: "unknown shorthand flag: 'y'"},
	})
}

func TestNewCmdRingParses(t *testing.T) {
	testParse(t, NewCmdRing, func(t *testing.T, f *Factory, o *RingOptions) {
		checkFactory(t, o.Factory, f)
		o.Factory = nil
	}, map[string]parseCase[RingOptions]{
		"name only": {args: []string{"ingester"}, want: RingOptions{Name: "ingester"}},
		"a path":    {args: []string{"/ingester/ring", "--pods", "name=ingester-zone-a"}, want: RingOptions{Name: "/ingester/ring", Pods: "name=ingester-zone-a"}},
		"forget":    {args: []string{"ingester", "--forget", "ingester-zone-a-0", "--force", "-y"}, want: RingOptions{Name: "ingester", Forget: "ingester-zone-a-0", Force: true, Yes: true}},
		// --force and --yes only matter with --forget; they are accepted
		// (and ignored) without it, as always.
		"force without forget": {args: []string{"ingester", "--force", "--yes"}, want: RingOptions{Name: "ingester", Force: true, Yes: true}},
		"no name":              {args: nil, wantErr: "accepts 1 arg(s), received 0"},
		"two names":            {args: []string{"ingester", "distributor"}, wantErr: "accepts 1 arg(s), received 2"},
		"forget needs an ID":   {args: []string{"ingester", "--forget"}, wantErr: "flag needs an argument: --forget"},
	})
}

func TestNewCmdVersionParses(t *testing.T) {
	testParse(t, NewCmdVersion, func(t *testing.T, f *Factory, o *VersionOptions) {
		checkFactory(t, o.Factory, f)
		o.Factory = nil
	}, map[string]parseCase[VersionOptions]{
		"no arguments": {args: nil, want: VersionOptions{}},
		"an argument":  {args: []string{"short"}, wantErr: `unknown command "short" for "version"`},
	})
}

func TestNewCmdPlansListParses(t *testing.T) {
	testParse(t, NewCmdPlansList, func(t *testing.T, f *Factory, o *PlansListOptions) {
		checkFactory(t, o.Factory, f)
		o.Factory = nil
	}, map[string]parseCase[PlansListOptions]{
		"no arguments": {args: nil, want: PlansListOptions{}},
		"an argument":  {args: []string{"demo"}, wantErr: `unknown command "demo" for "list"`},
	})
}

func TestNewCmdPlansShowParses(t *testing.T) {
	testParse(t, NewCmdPlansShow, func(t *testing.T, f *Factory, o *PlansShowOptions) {
		checkFactory(t, o.Factory, f)
		o.Factory, o.params = nil, nil
	}, map[string]parseCase[PlansShowOptions]{
		"plan only":              {args: []string{"demo"}, want: PlansShowOptions{Plan: "demo", Params: map[string]string{}}},
		"a path":                 {args: []string{"./plans/mine"}, want: PlansShowOptions{Plan: "./plans/mine", Params: map[string]string{}}},
		"params":                 {args: []string{"demo", "-p", "replicas=5", "--param", "zones=a,b"}, want: PlansShowOptions{Plan: "demo", Params: map[string]string{"replicas": "5", "zones": "a,b"}}},
		"no plan":                {args: nil, wantErr: "accepts 1 arg(s), received 0"},
		"bad param":              {args: []string{"demo", "-p", "replicas"}, wantErr: `--param "replicas": write it as name=value`},
		"no --env":               {args: []string{"demo", "--env", "x"}, wantErr: "unknown flag: --env"},
		"as a Helm run shows it": {args: []string{"demo", "--environment", "helm"}, want: PlansShowOptions{Plan: "demo", Params: map[string]string{}, Environment: "helm"}},
		"an unknown environment": {args: []string{"demo", "--environment", "argo"}, wantErr: `--environment "argo": want tanka or helm`},
	})
}

func TestNewCmdInitParses(t *testing.T) {
	testParse(t, NewCmdInit, func(t *testing.T, f *Factory, o *InitOptions) {
		checkFactory(t, o.Factory, f)
		o.Factory = nil
	}, map[string]parseCase[InitOptions]{
		"env":         {args: []string{"--env", "environments/mimir"}, want: InitOptions{Env: "environments/mimir"}},
		"no env":      {args: nil, wantErr: "init needs --env DIR (the directory of main.jsonnet)"},
		"empty env":   {args: []string{"--env="}, wantErr: "init needs --env DIR"},
		"an argument": {args: []string{"environments/mimir"}, wantErr: `unknown command "environments/mimir" for "init"`},
	})
}

func TestNewCmdDiffParses(t *testing.T) {
	testParse(t, NewCmdDiff, func(t *testing.T, f *Factory, o *DiffOptions) {
		checkFactory(t, o.Factory, f)
		o.Factory = nil
	}, map[string]parseCase[DiffOptions]{
		"env":               {args: []string{"--env", "environments/mimir"}, want: DiffOptions{Env: "environments/mimir", ApplyMode: "direct"}},
		"external":          {args: []string{"--env", "e", "--apply-mode", "external"}, want: DiffOptions{Env: "e", ApplyMode: "external"}},
		"no env":            {args: []string{"--apply-mode", "external"}, wantErr: "diff needs --env DIR"},
		"bad apply mode":    {args: []string{"--env", "e", "--apply-mode", "manual"}, wantErr: `--apply-mode "manual": want direct or external`},
		"env checked first": {args: []string{"--apply-mode", "manual"}, wantErr: "diff needs --env DIR"},
		"an argument":       {args: []string{"e"}, wantErr: `unknown command "e" for "diff"`},
		// A Helm release instead of --env, with helm's flag names.
		"chart": {args: []string{"--chart", "mimir-distributed", "--release", "mimir", "-f", "a.yaml", "-f", "mimirctl-values.yaml"},
			want: DiffOptions{ApplyMode: "direct", HelmFlags: HelmFlags{Chart: "mimir-distributed", Release: "mimir", Values: []string{"a.yaml", "mimirctl-values.yaml"}}}},
		"env and chart":         {args: []string{"--env", "e", "--chart", "c", "--release", "r"}, wantErr: "diff takes --env DIR (Tanka) or --chart CHART (Helm), not both"},
		"chart without release": {args: []string{"--chart", "c"}, wantErr: "diff --chart needs --release NAME"},
		"values with env":       {args: []string{"--env", "e", "-f", "a.yaml"}, wantErr: "are for a Helm chart (--chart), not --env"},
		// helm template habits get the way to give the same thing.
		"helm --set": {args: []string{"--chart", "c", "--release", "r", "--set", "ingester.replicas=3"},
			wantErr: `put "ingester.replicas=3" in a values file and pass it with -f`},
		"helm --set-string": {args: []string{"--chart", "c", "--release", "r", "--set-string", "a=b"}, wantErr: "--set-string is not taken"},
		"helm --version":    {args: []string{"--chart", "grafana/mimir-distributed", "--release", "r", "--version", "5.8.0"}, wantErr: "helm pull grafana/mimir-distributed --version VERSION --untar"},
	})
	// Both refusals are usage mistakes.
	_, err := parse(&Factory{}, NewCmdDiff, []string{"--env", "e", "--apply-mode", "x"})
	var fe *FlagError
	if !errors.As(err, &fe) {
		t.Errorf("--apply-mode x: error %v (%T), want a *FlagError", err, err)
	}
}

func TestNewCmdCompareParses(t *testing.T) {
	testParse(t, NewCmdCompare, func(t *testing.T, f *Factory, o *CompareOptions) {
		checkFactory(t, o.Factory, f)
		o.Factory = nil
	}, map[string]parseCase[CompareOptions]{
		"live cluster":              {args: nil, want: CompareOptions{}},
		"environment":               {args: []string{"--env", "environments/mimir"}, want: CompareOptions{Env: "environments/mimir"}},
		"an argument":               {args: []string{"distributor"}, wantErr: `unknown command "distributor" for "compare"`},
		"a Helm chart":              {args: []string{"--chart", "mimir-distributed"}, wantErr: "the mimir-distributed chart never had read-write mode"},
		"a Helm user's usual flags": {args: []string{"--chart", "c", "--release", "mimir", "-f", "v.yaml"}, wantErr: "the mimir-distributed chart never had read-write mode"},
	})
}

func TestNewCmdRenderParses(t *testing.T) {
	testParse(t, NewCmdRender, func(t *testing.T, f *Factory, o *RenderOptions) {
		checkFactory(t, o.Factory, f)
		o.Factory = nil
	}, map[string]parseCase[RenderOptions]{
		"env": {args: []string{"--env", "environments/mimir"}, want: RenderOptions{Env: "environments/mimir"}},
		// The two flags combine: the objects without a plan's changes, as
		// mimirctl's apply would send them.
		"without overlay, as applied": {args: []string{"--env", "e", "--without-overlay", "--as-applied"}, want: RenderOptions{Env: "e", WithoutOverlay: true, AsApplied: true}},
		"no env":                      {args: []string{"--as-applied"}, wantErr: "render needs --env DIR (the directory of main.jsonnet) or --chart CHART --release NAME"},
		"an argument":                 {args: []string{"e"}, wantErr: `unknown command "e" for "render"`},
		// Helm's flag names; -f in order, as helm merges them.
		"chart": {args: []string{"--chart", "mimir-distributed", "--release", "mimir", "-f", "a.yaml", "--values", "b.yaml", "--kube-version", "v1.33.0", "--api-versions", "monitoring.coreos.com/v1,rollout-operator.grafana.com/v1"},
			want: RenderOptions{HelmFlags: HelmFlags{Chart: "mimir-distributed", Release: "mimir", Values: []string{"a.yaml", "b.yaml"}, KubeVersion: "v1.33.0", APIVersions: []string{"monitoring.coreos.com/v1", "rollout-operator.grafana.com/v1"}}}},
		"env and chart":         {args: []string{"--env", "e", "--chart", "c", "--release", "r"}, wantErr: "not both"},
		"chart without release": {args: []string{"--chart", "c"}, wantErr: "render --chart needs --release NAME"},
		"values without chart":  {args: []string{"-f", "a.yaml"}, wantErr: "need --chart CHART"},
		"values with env":       {args: []string{"--env", "e", "-f", "a.yaml"}, wantErr: "are for a Helm chart (--chart), not --env"},
		"chart as applied":      {args: []string{"--chart", "c", "--release", "r", "--as-applied"}, wantErr: "--as-applied is for Tanka environments"},
	})
}

// TestNewCmdApproveReturnsRunError checks that runF's error is the
// command's, unchanged (ExitCode classifies it).
func TestNewCmdApproveReturnsRunError(t *testing.T) {
	want := errors.New("boom")
	err := execute(NewCmdApprove(&Factory{}, func(context.Context, *ApproveOptions) error { return want }), []string{"x"})
	if !errors.Is(err, want) {
		t.Fatalf("error %v, want %v", err, want)
	}
}

// execute runs cmd with args, its output discarded.
func execute(cmd *cobra.Command, args []string) error {
	var out bytes.Buffer
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	return cmd.ExecuteContext(context.Background())
}

// parse builds a command with newCmd on f, its runF capturing the
// options, and runs it with args: the options runF received (nil when it
// did not run) and the command's error.
func parse[O any](f *Factory, newCmd func(*Factory, func(context.Context, *O) error) *cobra.Command, args []string) (*O, error) {
	var got *O
	err := execute(newCmd(f, func(_ context.Context, o *O) error {
		got = o
		return nil
	}), args)
	return got, err
}

// parseCase is one command line of a parse-layer table: the options it
// gives (with Factory and unexported fields cleared by the table's
// normalize), or the error it ends with before anything runs.
type parseCase[O any] struct {
	args    []string
	want    O
	wantErr string
}

// testParse runs a parse-layer table. normalize checks what cannot be
// compared (the factory, functions) and clears it, with the raw flag
// values the options keep unexported.
func testParse[O any](t *testing.T, newCmd func(*Factory, func(context.Context, *O) error) *cobra.Command, normalize func(t *testing.T, f *Factory, o *O), cases map[string]parseCase[O]) {
	t.Helper()
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			f := &Factory{} // no clock, no cluster: the parse layer needs neither
			got, err := parse(f, newCmd, tc.args)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
				}
				if got != nil {
					t.Fatalf("runF ran with %+v despite the parse error", *got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got == nil {
				t.Fatal("runF did not run")
			}
			normalize(t, f, got)
			if !reflect.DeepEqual(*got, tc.want) {
				t.Errorf("options\n%+v\nwant\n%+v", *got, tc.want)
			}
		})
	}
}

// checkFactory fails t unless got is f, the factory the command was built on.
func checkFactory(t *testing.T, got, f *Factory) {
	t.Helper()
	if got != f {
		t.Error("options do not carry the factory")
	}
}
