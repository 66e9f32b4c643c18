package engine

import "github.com/mimirctl/mimirctl/pkg/plan"

// Registry returns every action and gate kind step files may use.
func Registry() *plan.Registry {
	r := plan.NewRegistry()
	r.AddAction(plan.ActionKind{Name: "http", Summary: "call an HTTP endpoint on each selected pod, once", New: func() plan.ActionSpec { return &HTTPCallSpec{} }})
	r.AddGate(plan.GateKind{Name: "http", Summary: "every selected pod answers an HTTP probe", New: func() plan.GateSpec { return &HTTPGateSpec{} }})
	return r
}
