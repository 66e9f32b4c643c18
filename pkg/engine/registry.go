package engine

import (
	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/pkg/promgate"
	"github.com/mimirctl/mimirctl/pkg/ringcheck"
)

// Registry returns every action and gate kind step files may use.
func Registry() *plan.Registry {
	r := plan.NewRegistry()
	r.AddAction(plan.ActionKind{Name: "http", Summary: "call an HTTP endpoint on each selected pod, once", New: func() plan.ActionSpec { return &HTTPCallSpec{} }})
	r.AddGate(plan.GateKind{Name: "http", Summary: "every selected pod answers an HTTP probe", New: func() plan.GateSpec { return &HTTPGateSpec{} }})
	r.AddGate(plan.GateKind{Name: "ring", Summary: "ring membership: who is present, absent, in which state, per zone", New: func() plan.GateSpec { return &ringcheck.Spec{} }})
	r.AddGate(plan.GateKind{Name: "promql", Summary: "a PromQL query's result against a threshold", New: func() plan.GateSpec { return &promgate.Spec{} }})
	return r
}
