package main

import (
	"strings"
	"testing"

	"github.com/mimirctl/mimirctl/e2e/scenario"
	"github.com/mimirctl/mimirctl/pkg/engine"
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

// TestTheGoBackCommandFinishes: the printed way back routes like the demo
// did, so read-write-to-microservices has no step that waits for a person.
func TestTheGoBackCommandFinishes(t *testing.T) {
	cmd := goBack("bin/mimirctl", "/tmp/kubeconfig", "mimir-demo", "/tmp/env", "http://prometheus:9090")
	if len(manualSteps(t, "read-write-to-microservices", params(t, scenario.WayBackReplicas()))) == 0 {
		t.Fatal("without routing parameters the plan should wait for a person: the test would prove nothing")
	}
	if manual := manualSteps(t, "read-write-to-microservices", params(t, cmd)); len(manual) > 0 {
		t.Errorf("go back: %s\nwaits for a person at %v", strings.Join(cmd, " "), manual)
	}
	if manual := manualSteps(t, "microservices-to-read-write", params(t, routing())); len(manual) > 0 {
		t.Errorf("the demo's own run waits for a person at %v", manual)
	}
}
