package engine

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/pkg/tanka"
)

// A library assertion that a later step would trip (as Grafana's read-write
// mode asserts compactor_max_concurrency: 1) stops the run at preflight,
// naming the step and quoting the library, before the first step changes
// anything.
func TestPreflightRendersEveryJsonnetStepBeforeTheFirstOne(t *testing.T) {
	env := readWriteAssertingEnv(t)
	if err := tanka.WriteOverlay(env, &tanka.Overlay{}); err != nil {
		t.Fatal(err)
	}
	steps := "- id: a-write\n  title: A\n  actions:\n    - jsonnet: {config: {write_replicas: 3}}\n" +
		"- id: b-read-write\n  title: B\n  actions:\n    - jsonnet: {config: {deployment_mode: read-write}, remove: {objects: [querier_deployment]}}\n"
	p, err := plan.Load(fstest.MapFS{"p/plan.yaml": {Data: []byte("name: p\n")}, "p/steps/a.yaml": {Data: []byte(steps)}}, "p", plan.LoadOptions{Registry: Registry()})
	if err != nil {
		t.Fatal(err)
	}
	b := NewBinder(Deps{Namespace: "mimir", Options: Options{Env: env}})
	_, err = b.Preflight(context.Background(), p, nil)
	if err == nil || !strings.Contains(err.Error(), "step b-read-write would leave the environment unable to render") ||
		!strings.Contains(err.Error(), "please set compactor_max_concurrency to 1") {
		t.Fatalf("want a preflight refusal naming step b-read-write and the library's message, got %v", err)
	}

	// With the knob set in the environment, the plan may start.
	if err := os.WriteFile(filepath.Join(env, "main.jsonnet"),
		[]byte("(import 'app.libsonnet') + { _config+:: { compactor_max_concurrency: 1 } } + (import 'mimirctl.libsonnet')"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Preflight(context.Background(), p, nil); err != nil {
		t.Fatalf("with compactor_max_concurrency set: %v", err)
	}
}

// A resumed run checks only what it has yet to apply. Here step a's change
// (compactor_max_concurrency 4) was applied, then step b set the read-write
// mode with the value the library asserts; step c is left. Putting a's
// change back on the file gives a state the run never reaches and the
// library refuses: checking it refused the resume before, and rendered the
// library once more for nothing at every window's start.
func TestPreflightChecksOnlyTheChangesTheRunHasYetToApply(t *testing.T) {
	env := readWriteAssertingEnv(t)
	steps := "- id: a-concurrency\n  title: A\n  actions:\n    - jsonnet: {config: {compactor_max_concurrency: 4}}\n" +
		"- id: b-read-write\n  title: B\n  actions:\n    - jsonnet: {config: {deployment_mode: read-write, compactor_max_concurrency: 1}}\n" +
		"- id: c-write\n  title: C\n  actions:\n    - jsonnet: {config: {write_replicas: 3}}\n"
	p, err := plan.Load(fstest.MapFS{"p/plan.yaml": {Data: []byte("name: p\n")}, "p/steps/a.yaml": {Data: []byte(steps)}}, "p", plan.LoadOptions{Registry: Registry()})
	if err != nil {
		t.Fatal(err)
	}
	// The file after steps a and b.
	if err := tanka.WriteOverlay(env, &tanka.Overlay{Plan: "p", Step: "b-read-write",
		Config: map[string]any{"deployment_mode": "read-write", "compactor_max_concurrency": 1}}); err != nil {
		t.Fatal(err)
	}
	b := NewBinder(Deps{Namespace: "mimir", Options: Options{Env: env}})
	var asked []plan.ActionRef
	pending := func(ref plan.ActionRef) bool {
		asked = append(asked, ref)
		return ref.Step == 2
	}
	if _, err := b.Preflight(context.Background(), p, pending); err != nil {
		t.Fatalf("a run with steps a and b applied and c left: %v", err)
	}
	if len(asked) == 0 {
		t.Error("the preflight did not ask which changes are pending")
	}
	// A new run (nothing applied) checks every change, step a's too.
	if _, err := b.Preflight(context.Background(), p, nil); err == nil || !strings.Contains(err.Error(), "step a-concurrency") {
		t.Errorf("a new run: want the refusal of step a-concurrency, got %v", err)
	}
}

// readWriteAssertingEnv is the test environment whose library asserts, as
// Grafana's read-write mode does, compactor_max_concurrency 1 in read-write
// mode.
func readWriteAssertingEnv(t *testing.T) string {
	t.Helper()
	env := testEnv(t)
	app := filepath.Join(env, "app.libsonnet")
	src, err := os.ReadFile(app)
	if err != nil {
		t.Fatal(err)
	}
	guarded := strings.TrimRight(string(src), "\n}") + "\n" +
		"  assert $._config.deployment_mode != 'read-write' || std.get($._config, 'compactor_max_concurrency', 4) == 1\n" +
		"         : 'please set compactor_max_concurrency to 1 when using Mimir read-write deployment mode',\n}\n"
	if err := os.WriteFile(app, []byte(guarded), 0o644); err != nil {
		t.Fatal(err)
	}
	return env
}
