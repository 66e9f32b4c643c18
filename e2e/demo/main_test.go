package main

import (
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/mimirctl/mimirctl/e2e/scenario"
	"github.com/mimirctl/mimirctl/pkg/engine"
	"github.com/mimirctl/mimirctl/pkg/mimirctl"
	"github.com/mimirctl/mimirctl/pkg/mimirctl/progress"
	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/plans"
)

// params reads the -p name=value pairs of a command line.
func params(t *testing.T, args []string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for i := 0; i+1 < len(args); i++ {
		if args[i] == "-p" {
			k, v, _ := strings.Cut(args[i+1], "=")
			out[k] = v
		}
	}
	return out
}

// manualSteps lists the steps of a built-in plan that wait for a person
// when loaded with these parameters.
func manualSteps(t *testing.T, name string, values map[string]string) []string {
	t.Helper()
	p, err := plan.Load(plans.FS, name, plan.LoadOptions{Registry: engine.Registry(), Params: values})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, s := range p.Steps {
		if s.Manual != nil {
			out = append(out, s.ID)
		}
	}
	return out
}

// TestTheWayBackFinishes: -way-back routes like the demo did and brings
// the microservices back at their size, so neither run has a step that
// waits for a person.
func TestTheWayBackFinishes(t *testing.T) {
	o := wayBackOptions("/tmp/env", "http://prometheus:9090", nil)
	if len(manualSteps(t, "read-write-to-microservices", params(t, scenario.WayBackReplicas()))) == 0 {
		t.Fatal("without routing parameters the plan should wait for a person: the test would prove nothing")
	}
	if manual := manualSteps(t, o.Plan, o.Params); o.Plan != "read-write-to-microservices" || len(manual) > 0 {
		t.Errorf("the way back (%s, %v) waits for a person at %v", o.Plan, o.Params, manual)
	}
	if manual := manualSteps(t, "microservices-to-read-write", applyOptions("/tmp/env", "http://prometheus:9090", nil).Params); len(manual) > 0 {
		t.Errorf("the demo's own run waits for a person at %v", manual)
	}
	for name, value := range params(t, scenario.WayBackReplicas()) {
		if o.Params[name] != value {
			t.Errorf("the way back's %s=%q, want %q", name, o.Params[name], value)
		}
	}
	if !reflect.DeepEqual(o.Bind, applyOptions("/tmp/env", "http://prometheus:9090", nil).Bind) || o.Run != (plan.ApplyOptions{Yes: true}) {
		t.Errorf("the way back binds %+v and runs %+v, not as the demo's run", o.Bind, o.Run)
	}
}

// TestTheDemoRunsAsTheCommandLine: the in-process run is `mimirctl apply
// microservices-to-read-write --env ENV --prometheus-url URL --yes
// --force-flush -p mimirReadReplicas=1` with the routing parameters, on
// the CLI's defaults otherwise, printing its progress.
func TestTheDemoRunsAsTheCommandLine(t *testing.T) {
	var printed strings.Builder
	p := progress.NewPrinter(&printed, progress.Options{})
	o := applyOptions("/tmp/env", "http://prometheus:9090", p)
	if o.Plan != "microservices-to-read-write" || o.Run != (plan.ApplyOptions{Yes: true}) || o.Hooks.Confirm != nil {
		t.Errorf("plan %q, run options %+v, confirmer %v: want microservices-to-read-write, --yes only, no prompt", o.Plan, o.Run, o.Hooks.Confirm)
	}
	want := mimirctl.DefaultBindOptions()
	want.Env, want.Prometheus.URL, want.ForceFlush = "/tmp/env", "http://prometheus:9090", true
	if !reflect.DeepEqual(o.Bind, want) {
		t.Errorf("bind options %+v, want %+v", o.Bind, want)
	}
	if err := o.Bind.Validate(); err != nil {
		t.Errorf("the demo's options are refused: %v", err)
	}
	wantParams := map[string]string{"mimirReadReplicas": "1", "tenant": scenario.Tenant, "readService": scenario.GatewayRead,
		"backendService": scenario.GatewayBackend, "writeService": scenario.GatewayWrite}
	if !maps.Equal(o.Params, wantParams) {
		t.Errorf("params %v, want %v", o.Params, wantParams)
	}
	if _, err := target("", "mimir-demo").LoadPlan(o.Plan, o.Params); err != nil {
		t.Errorf("the demo's plan does not load with its parameters: %v", err)
	}
	o.Hooks.Events.Emit(plan.Event{Type: plan.EventActionStarted, Action: "jsonnet"})
	if printed.String() != "  → jsonnet\n" {
		t.Errorf("events reach the printer as %q", printed.String())
	}
}

// TestTheTargetIsTheCommandLines: target acts where `mimirctl --kubeconfig
// FILE -n NS` does: the kubeconfig's cluster, namespace NS, run state in
// the ConfigMap mimirctl-state there, the CLI's request timeout.
func TestTheTargetIsTheCommandLines(t *testing.T) {
	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	const cfg = `apiVersion: v1
kind: Config
clusters: [{name: local, cluster: {server: "https://127.0.0.1:6443"}}]
users: [{name: admin, user: {token: secret}}]
contexts: [{name: local, context: {cluster: local, user: admin, namespace: default}}]
current-context: local
`
	if err := os.WriteFile(kubeconfig, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	tg := target(kubeconfig, "mimir-demo")
	c, err := tg.Clients()
	if err != nil {
		t.Fatal(err)
	}
	if c.Config.Host != "https://127.0.0.1:6443" || c.Namespace != "mimir-demo" || c.Config.Timeout != mimirctl.DefaultRequestTimeout {
		t.Errorf("server %s, namespace %s, request timeout %s", c.Config.Host, c.Namespace, c.Config.Timeout)
	}
	store, _, err := tg.StateStore()
	if err != nil {
		t.Fatal(err)
	}
	if got := store.Describe(); got != "ConfigMap mimir-demo/mimirctl-state" {
		t.Errorf("run state in %s", got)
	}
	if tg.PodAccess != "proxy" {
		t.Errorf("pods reached by %q, want proxy", tg.PodAccess)
	}
}
