package cli

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/mimirctl/mimirctl/pkg/duration"
	"github.com/mimirctl/mimirctl/pkg/mimirctl"
)

// The parse layer of the commands that preview or run a plan: plan,
// apply, resume and ingester shutdown-zone.

// defaultBind are the binding options when no flag sets one: the
// library's defaults (direct, 30m rollouts, 2h for an external pipeline).
var defaultBind = mimirctl.DefaultBindOptions()

// bind is defaultBind changed by set.
func bind(set func(*BindOptions)) BindOptions {
	b := defaultBind
	set(&b)
	return b
}

func absPath(t *testing.T, p string) string {
	t.Helper()
	abs, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

func TestNewCmdPlanParses(t *testing.T) {
	testParse(t, NewCmdPlan, func(t *testing.T, f *Factory, o *PlanOptions) {
		checkFactory(t, o.Factory, f)
		o.Factory, o.params = nil, nil
	}, map[string]parseCase[PlanOptions]{
		"defaults": {args: []string{"demo"},
			want: PlanOptions{Plan: "demo", BindFlags: BindFlags{Params: map[string]string{}, Bind: defaultBind}}},
		"params": {args: []string{"demo", "-p", "replicas=5", "--param", " zones = a,b", "-p", "empty="},
			want: PlanOptions{Plan: "demo", BindFlags: BindFlags{Params: map[string]string{"replicas": "5", "zones": " a,b", "empty": ""}, Bind: defaultBind}}},
		"a later param wins": {args: []string{"demo", "-p", "replicas=5", "-p", "replicas=6"},
			want: PlanOptions{Plan: "demo", BindFlags: BindFlags{Params: map[string]string{"replicas": "6"}, Bind: defaultBind}}},
		"window and detailed exit code": {args: []string{"demo", "--until", "06:00", "--window", "4h", "--detailed-exitcode"},
			want: PlanOptions{Plan: "demo", BindFlags: BindFlags{Params: map[string]string{}, Bind: defaultBind},
				WindowFlags: WindowFlags{Until: "06:00", Window: 4 * time.Hour}, DetailedExitCode: true}},
		// plan leaves the binding options to mimirctl.Plan, which checks
		// them after the window: nothing is made absolute or refused here.
		"binding options kept as typed": {args: []string{"demo", "--env", "envs/prod", "--apply-mode", "manual", "--prometheus-timeout", "45s"},
			want: PlanOptions{Plan: "demo", BindFlags: BindFlags{Params: map[string]string{}, Bind: bind(func(b *BindOptions) {
				b.Env, b.ApplyMode, b.Prometheus.Timeout = "envs/prod", "manual", duration.Duration(45*time.Second)
			})}}},
		"helm --set":         {args: []string{"demo", "--chart", "c", "--release", "r", "--set", "a=b"}, wantErr: `put "a=b" in a values file and pass it with -f`},
		"helm --repo":        {args: []string{"demo", "--chart", "mimir-distributed", "--release", "r", "--repo", "https://grafana.github.io/helm-charts"}, wantErr: "--version and --repo are not taken"},
		"no plan":            {args: nil, wantErr: "accepts 1 arg(s), received 0"},
		"two plans":          {args: []string{"a", "b"}, wantErr: "accepts 1 arg(s), received 2"},
		"param no value":     {args: []string{"demo", "-p", "replicas"}, wantErr: `--param "replicas": write it as name=value`},
		"param no name":      {args: []string{"demo", "-p", " =5"}, wantErr: `--param " =5": write it as name=value`},
		"until garbage":      {args: []string{"demo", "--until", "tomorrow"}, wantErr: `--until "tomorrow": write a time like 06:00`},
		"window garbage":     {args: []string{"demo", "--window", "four hours"}, wantErr: `invalid argument "four hours" for "--window"`},
		"param before until": {args: []string{"demo", "--until", "tomorrow", "-p", "x"}, wantErr: `--param "x"`},
		"no --yes on plan":   {args: []string{"demo", "--yes"}, wantErr: "unknown flag: --yes"},
	})
}

func TestNewCmdApplyParses(t *testing.T) {
	testParse(t, NewCmdApply, func(t *testing.T, f *Factory, o *ApplyOptions) {
		checkFactory(t, o.Factory, f)
		o.Factory, o.params = nil, nil
	}, map[string]parseCase[ApplyOptions]{
		"defaults": {args: []string{"demo"},
			want: ApplyOptions{Plan: "demo", ApplyFlags: ApplyFlags{BindFlags: BindFlags{Params: map[string]string{}, Bind: defaultBind}}}},
		"every run flag": {args: []string{"demo", "-p", "replicas=5", "-y", "--allow-plan-change", "--force-unlock", "lock-1",
			"--until", "2026-11-24 06:00", "--window", "2h", "--apply-mode", "external", "--delete-pvcs", "--force-conflicts", "--force-flush",
			"--rollout-timeout", "1h", "--external-timeout", "3h"},
			want: ApplyOptions{Plan: "demo", ApplyFlags: ApplyFlags{
				BindFlags: BindFlags{Params: map[string]string{"replicas": "5"}, Bind: bind(func(b *BindOptions) {
					b.ApplyMode, b.DeletePVCs, b.ForceConflicts, b.ForceFlush = "external", true, true, true
					b.RolloutTimeout, b.ExternalTimeout = time.Hour, 3*time.Hour
				})},
				WindowFlags: WindowFlags{Until: "2026-11-24 06:00", Window: 2 * time.Hour},
				Yes:         true, AllowPlanChange: true, ForceUnlock: "lock-1",
			}}},
		"paths made absolute": {args: []string{"demo", "--env", "envs/prod", "--prometheus-url", "https://mimir.example/prometheus", "--prometheus-ca-file", "ca.pem"},
			want: ApplyOptions{Plan: "demo", ApplyFlags: ApplyFlags{BindFlags: BindFlags{Params: map[string]string{}, Bind: bind(func(b *BindOptions) {
				b.Env = absPath(t, "envs/prod")
				b.Prometheus.URL, b.Prometheus.CAFile = "https://mimir.example/prometheus", absPath(t, "ca.pem")
			})}}}},
		"a Helm release": {args: []string{"demo", "--chart", "charts/mimir-distributed", "--release", "mimir", "-f", "base.yaml", "--values", "mimirctl-values.yaml"},
			want: ApplyOptions{Plan: "demo", ApplyFlags: ApplyFlags{BindFlags: BindFlags{Params: map[string]string{}, Bind: bind(func(b *BindOptions) {
				b.Helm.Chart, b.Helm.Release = absPath(t, "charts/mimir-distributed"), "mimir"
				b.Helm.Values = []string{absPath(t, "base.yaml"), absPath(t, "mimirctl-values.yaml")}
			})}}}},
		"env and chart":    {args: []string{"demo", "--env", "envs/prod", "--chart", "c", "--release", "r"}, wantErr: "--env and --chart"},
		"chart no release": {args: []string{"demo", "--chart", "c"}, wantErr: "--chart needs --release"},
		"values no chart":  {args: []string{"demo", "-f", "v.yaml"}, wantErr: "give its chart too"},
		"no plan":          {args: nil, wantErr: "accepts 1 arg(s), received 0"},
		"bad apply mode":   {args: []string{"demo", "--apply-mode", "manual"}, wantErr: `--apply-mode "manual": want direct or external`},
		"password in URL":  {args: []string{"demo", "--prometheus-url", "http://admin:hunter2@prometheus:9090"}, wantErr: "--prometheus-"},
		"until garbage":    {args: []string{"demo", "--until", "25:00"}, wantErr: `--until "25:00"`},
		"param first":      {args: []string{"demo", "--apply-mode", "manual", "-p", "x"}, wantErr: `--param "x"`},
		"apply mode first": {args: []string{"demo", "--until", "tomorrow", "--apply-mode", "manual"}, wantErr: `--apply-mode "manual"`},
		"no detailed exit": {args: []string{"demo", "--detailed-exitcode"}, wantErr: "unknown flag: --detailed-exitcode"},
	})
}

func TestNewCmdResumeParses(t *testing.T) {
	testParse(t, NewCmdResume, func(t *testing.T, f *Factory, o *ResumeOptions) {
		checkFactory(t, o.Factory, f)
		if o.Given == nil {
			t.Fatal("Given is nil: the run's recorded options would override every flag")
		}
		for _, flag := range []string{"env", "apply-mode", "prometheus-url", "yes"} {
			if o.Given(flag) != (flag == "env" || flag == "yes") {
				t.Errorf("Given(%q) = %v", flag, o.Given(flag))
			}
		}
		o.Factory, o.params, o.Given = nil, nil, nil
	}, map[string]parseCase[ResumeOptions]{
		"given flags": {args: []string{"--env", "envs/prod", "--yes", "--window", "1h"},
			want: ResumeOptions{ApplyFlags: ApplyFlags{BindFlags: BindFlags{Bind: bind(func(b *BindOptions) { b.Env = absPath(t, "envs/prod") })},
				WindowFlags: WindowFlags{Window: time.Hour}, Yes: true}}},
		"an argument":    {args: []string{"demo"}, wantErr: `unknown command "demo" for "resume"`},
		"params refused": {args: []string{"-p", "replicas=5"}, wantErr: "resume takes the run's recorded parameters"},
		"bad apply mode": {args: []string{"--apply-mode", "manual", "-p", "replicas=5"}, wantErr: `--apply-mode "manual"`},
		"until garbage":  {args: []string{"--until", "noon"}, wantErr: `--until "noon"`},
	})
}

// TestResumeRefusesParamsAsAFlagError checks the kind of the refusal:
// a usage mistake, as before the parse layer existed.
func TestResumeRefusesParamsAsAFlagError(t *testing.T) {
	_, err := parse(&Factory{}, NewCmdResume, []string{"-p", "a=b"})
	var fe *FlagError
	if !errors.As(err, &fe) {
		t.Fatalf("error %v (%T), want a *FlagError", err, err)
	}
}

func TestNewCmdIngesterShutdownZoneParses(t *testing.T) {
	testParse(t, NewCmdIngesterShutdownZone, func(t *testing.T, f *Factory, o *ShutdownZoneOptions) {
		checkFactory(t, o.Factory, f)
		o.Factory, o.params = nil, nil
	}, map[string]parseCase[ShutdownZoneOptions]{
		"zone only": {args: []string{"zone-a"},
			want: ShutdownZoneOptions{Zone: "zone-a", ApplyFlags: ApplyFlags{BindFlags: BindFlags{Params: map[string]string{"zone": "zone-a"}, Bind: defaultBind}}}},
		"flags become parameters": {args: []string{"zone-b", "--statefulset", "ingester-b", "--tanka-field", "ingester_zone_b_statefulset", "-p", "zone=zone-b", "-p", "wait=1h"},
			want: ShutdownZoneOptions{Zone: "zone-b", StatefulSet: "ingester-b", TankaField: "ingester_zone_b_statefulset",
				ApplyFlags: ApplyFlags{BindFlags: BindFlags{
					Params: map[string]string{"zone": "zone-b", "statefulSet": "ingester-b", "tankaField": "ingester_zone_b_statefulset", "wait": "1h"},
					Bind:   defaultBind,
				}}}},
		"run: paths made absolute": {args: []string{"zone-a", "--env", "envs/prod", "-y"},
			want: ShutdownZoneOptions{Zone: "zone-a", ApplyFlags: ApplyFlags{
				BindFlags: BindFlags{Params: map[string]string{"zone": "zone-a"}, Bind: bind(func(b *BindOptions) { b.Env = absPath(t, "envs/prod") })},
				Yes:       true,
			}}},
		// A preview leaves the binding options to mimirctl.Plan, as plan does.
		"preview: binding options kept as typed": {args: []string{"zone-a", "--plan", "--detailed-exitcode", "--env", "envs/prod", "--apply-mode", "manual", "--until", "06:00"},
			want: ShutdownZoneOptions{Zone: "zone-a", Preview: true, DetailedExitCode: true, ApplyFlags: ApplyFlags{
				BindFlags:   BindFlags{Params: map[string]string{"zone": "zone-a"}, Bind: bind(func(b *BindOptions) { b.Env, b.ApplyMode = "envs/prod", "manual" })},
				WindowFlags: WindowFlags{Until: "06:00"},
			}}},
		"a zone parameter against the argument":         {args: []string{"zone-b", "-p", "zone=zone-a"}, wantErr: "-p zone=zone-a contradicts the ZONE argument (zone-b): give it once"},
		"a StatefulSet parameter against --statefulset": {args: []string{"zone-b", "--statefulset", "ingester-b", "-p", "statefulSet=ingester-zone-b"}, wantErr: "-p statefulSet=ingester-zone-b contradicts --statefulset (ingester-b)"},
		"a field parameter against --tanka-field":       {args: []string{"zone-b", "--tanka-field", "a", "-p", "tankaField=b"}, wantErr: "-p tankaField=b contradicts --tanka-field (a)"},
		"no zone":             {args: nil, wantErr: "accepts 1 arg(s), received 0"},
		"bad param":           {args: []string{"zone-a", "-p", "zone"}, wantErr: `--param "zone"`},
		"run: bad apply mode": {args: []string{"zone-a", "--apply-mode", "manual"}, wantErr: `--apply-mode "manual"`},
		"preview: bad until":  {args: []string{"zone-a", "--plan", "--until", "soon"}, wantErr: `--until "soon"`},
	})
}

func TestWindowFlags(t *testing.T) {
	now := time.Date(2026, 11, 23, 22, 30, 0, 0, time.UTC)
	for name, tc := range map[string]struct {
		w       WindowFlags
		want    time.Time
		wantErr string
	}{
		"none":                {w: WindowFlags{}},
		"clock time tomorrow": {w: WindowFlags{Until: "06:00"}, want: time.Date(2026, 11, 24, 6, 0, 0, 0, time.UTC)},
		"window":              {w: WindowFlags{Window: 4 * time.Hour}, want: now.Add(4 * time.Hour)},
		"the earlier wins":    {w: WindowFlags{Until: "23:00", Window: 4 * time.Hour}, want: time.Date(2026, 11, 23, 23, 0, 0, 0, time.UTC)},
		"already ended":       {w: WindowFlags{Until: "2026-11-23 22:00"}, wantErr: "the maintenance window already ended at 2026-11-23T22:00:00Z"},
	} {
		t.Run(name, func(t *testing.T) {
			if err := tc.w.validate(); err != nil {
				t.Fatalf("validate: %v", err)
			}
			got, err := tc.w.end(now)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("end: %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || !got.Equal(tc.want) {
				t.Errorf("end = %v, %v; want %v", got, err, tc.want)
			}
		})
	}
	if err := (WindowFlags{Until: "6 o'clock"}).validate(); err == nil {
		t.Error(`validate accepted --until "6 o'clock"`)
	}
}
