package plan

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// The kinds of environment a plan's steps change: where the user's
// deployment is defined, and so how a step writes its change.
const (
	// EnvironmentTanka is a Tanka environment (--env): steps write
	// mimirctl.libsonnet (the `jsonnet` action).
	EnvironmentTanka = "tanka"
	// EnvironmentHelm is a Helm release (--chart, --release, -f): steps
	// write mimirctl-values.yaml (the `helmValues` action).
	EnvironmentHelm = "helm"
)

// environmentKinds are the kinds a plan may declare.
var environmentKinds = []string{EnvironmentTanka, EnvironmentHelm}

// EnvironmentChange is implemented by action specs that change the user's
// environment rather than the cluster directly; a step may carry one such
// action per kind, and a run keeps those of its own kind (ForEnvironment).
type EnvironmentChange interface {
	// EnvironmentKind is EnvironmentTanka or EnvironmentHelm.
	EnvironmentKind() string
}

// environmentKindsOf lists the environment kinds p's actions change, in
// environmentKinds order.
func environmentKindsOf(p *Plan) []string {
	seen := map[string]bool{}
	for _, s := range p.Steps {
		for _, a := range s.Actions {
			if ec, ok := a.Spec.(EnvironmentChange); ok {
				seen[ec.EnvironmentKind()] = true
			}
		}
	}
	var out []string
	for _, k := range environmentKinds {
		if seen[k] {
			out = append(out, k)
		}
	}
	return out
}

// SupportedEnvironments are the environment kinds p runs on: those it
// declares (Plan.Environments), else those its actions change; empty when
// it changes no environment (it runs with any, or none).
func (p *Plan) SupportedEnvironments() []string {
	if len(p.Environments) > 0 {
		return p.Environments
	}
	return environmentKindsOf(p)
}

// ForEnvironment is p as a run on an environment of kind runs it: the
// actions that change another kind of environment are left out of every
// step (a copy; p is not changed). kind "" (no environment given) keeps
// every action: binding one then asks for the environment it needs.
//
// Errors: p does not support kind (see SupportedEnvironments), with the
// reason and the kinds it supports.
func (p *Plan) ForEnvironment(kind string) (*Plan, error) {
	if kind == "" {
		return p, nil
	}
	supported := p.SupportedEnvironments()
	if len(supported) > 0 && !slices.Contains(supported, kind) {
		reason := p.EnvironmentReason
		if reason == "" {
			reason = "its steps are written for " + strings.Join(supported, " and ") + " environments only"
		}
		msg := fmt.Sprintf("plan %s does not run on a %s environment: %s (it supports: %s)", p.Name, kind, reason, strings.Join(supported, ", "))
		if given := p.overriddenEnvironmentDefaults(kind); len(given) > 0 {
			msg += "; these parameters differ from their " + kind + " defaults: " + strings.Join(given, ", ")
		}
		return nil, errors.New(msg)
	}
	out := *p
	out.Steps = make([]*Step, len(p.Steps))
	for i, s := range p.Steps {
		cp := *s
		cp.Actions = nil
		for _, a := range s.Actions {
			if ec, ok := a.Spec.(EnvironmentChange); ok && ec.EnvironmentKind() != kind {
				continue
			}
			cp.Actions = append(cp.Actions, a)
		}
		out.Steps[i] = &cp
	}
	return &out, nil
}

// overriddenEnvironmentDefaults lists the parameters whose defaults
// depend on the environment (EnvironmentDefaults for some kind) and whose
// bound value is not their default for kind, as "-p name=value (default
// d)": a plan that changes its kind of environment
// with a parameter (ring-kv-to-memberlist's configMode) is refused for
// the parameter, not for the environment.
func (p *Plan) overriddenEnvironmentDefaults(kind string) []string {
	var out []string
	for _, prm := range p.Parameters {
		if len(prm.EnvironmentDefaults) == 0 {
			continue
		}
		d, ok := prm.EnvironmentDefaults[kind]
		if !ok {
			d = prm.Default
		}
		if d == nil {
			continue
		}
		want, err := prm.normalize(d)
		if got, bound := p.Values[prm.Name]; err == nil && bound && !reflect.DeepEqual(got, want) {
			out = append(out, fmt.Sprintf("-p %s=%v (default %v)", prm.Name, got, want))
		}
	}
	return out
}

// checkEnvironments checks a plan's environment declaration against its
// steps: every step that changes one
// declared kind of environment changes each of them (a step with a
// jsonnet action and no helmValues action cannot run on Helm).
func (l *loader) checkEnvironments(p *Plan) {
	if len(p.Environments) < 2 {
		return
	}
	for _, s := range p.Steps {
		have := map[string]bool{}
		for _, a := range s.Actions {
			if ec, ok := a.Spec.(EnvironmentChange); ok {
				have[ec.EnvironmentKind()] = true
			}
		}
		if len(have) == 0 {
			continue
		}
		for _, k := range p.Environments {
			if !have[k] {
				file, line := splitSource(s.Source)
				l.errs.add(FieldError{File: file, Line: line, Path: "actions", Msg: fmt.Sprintf("step %s changes the environment but has no action for %s environments, which the plan declares", s.ID, k),
					Hint: "add its " + actionOfEnvironment[k] + " action, or drop " + k + " from the plan's environments"})
			}
		}
	}
}

// actionOfEnvironment is the action kind that changes each kind of
// environment.
var actionOfEnvironment = map[string]string{EnvironmentTanka: "jsonnet", EnvironmentHelm: "helmValues"}
