package kvmigrate

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/mimirctl/mimirctl/pkg/gate"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
	"github.com/mimirctl/mimirctl/pkg/podmetrics"
)

// RefuseWhileSpec is the `refuseWhile` field of the jsonnet and
// runtimeConfig actions: the action changes nothing while any selected pod
// still exposes a series, or while a selected pod cannot be read.
//
//	refuseWhile:
//	  pods: {portName: http-metrics}
//	  series: cortex_multikv_primary_store
//	  means: uses the multi KV store
//	  because: removing the runtime override now would switch it back to consul
//
// It guards the removal of the runtime multi_kv_config at the end of a
// KV-store migration: a pod still built with `store: multi` (a rollout that
// has not reached it, or a ring client the rollout's selector missed) falls
// back to its flag primary when the override goes, so part of a ring moves
// back to the old store (grafana/mimir#1659, the reason for Mimir jsonnet's
// multikv_migration_teardown; Mimir's pkg/kv/multi.go exports
// cortex_multikv_primary_store only while a client runs the multi store).
type RefuseWhileSpec struct {
	// Pods are the pods to look at; {portName: http-metrics} is every Mimir
	// pod of the namespace.
	Pods podaccess.Selector `yaml:"pods" json:"pods"`
	// Series is a selector as in the podMetric gate; any series it selects
	// on a pod refuses the action.
	Series string `yaml:"series" json:"series"`
	// Means says what exposing the series means, after "<pod> still".
	Means string `yaml:"means" json:"means"`
	// Because says what the action would do to such a pod.
	Because string `yaml:"because" json:"because"`
}

// Validate checks the spec; messages name the field.
func (s *RefuseWhileSpec) Validate() error {
	var errs []error
	if err := s.Pods.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("refuseWhile.pods: %w", err))
	}
	if s.Series == "" {
		errs = append(errs, errors.New("refuseWhile.series: missing; write a selector such as cortex_multikv_primary_store"))
	} else if _, err := podmetrics.ParseSelector(s.Series); err != nil {
		errs = append(errs, fmt.Errorf("refuseWhile.series: %w", err))
	}
	if s.Means == "" {
		errs = append(errs, errors.New("refuseWhile.means: missing; say what a pod exposing the series does, e.g. \"uses the multi KV store\""))
	}
	if s.Because == "" {
		errs = append(errs, errors.New("refuseWhile.because: missing; say what the action would do to such a pod"))
	}
	return errors.Join(errs...)
}

// Describe renders the refusal for plan listings.
func (s *RefuseWhileSpec) Describe() string {
	return fmt.Sprintf("refused while any of %s exposes %s", s.Pods, s.Series)
}

// RefusedError is an action that refused to change anything.
type RefusedError struct {
	// Using lists "<pod> still <means>", with " (<rollout hold>)" when the
	// pod is not Ready on its workload's newest revision.
	Using []string
	// Unknown lists pods that could not be read: "cannot tell whether <pod>
	// still <means>: <why>".
	Unknown []string
	// Because says what the action would do to such pods.
	Because string
	// Hint says what to do before resuming.
	Hint string
}

// Error reads e.g. "overrides-exporter-5b7c8d9e6-q3w4e still uses the multi
// KV store (old revision); removing the runtime override now would switch it
// back to consul; wait until the rollout is complete (...), then resume".
func (e *RefusedError) Error() string {
	var parts []string
	parts = append(parts, e.Using...)
	if len(e.Using) > 0 {
		parts = append(parts, e.Because)
	}
	parts = append(parts, e.Unknown...)
	if len(e.Using) == 0 {
		parts = append(parts, e.Because)
	}
	if e.Hint != "" {
		parts = append(parts, e.Hint)
	}
	return strings.Join(parts, "; ")
}

// Check scrapes every selected pod and returns a *RefusedError when one
// exposes the series, cannot be read, or when no pod is selected at all;
// nil when every selected pod runs without it. Ended pods (Succeeded,
// Failed) run nothing and are left out, and so are pods selected by port
// name alone that are not Mimir processes (podmetrics.PodScan.NotMimir). Only d's Kube, Namespace and Pods
// are used.
func (s *RefuseWhileSpec) Check(ctx context.Context, d gate.Deps) error {
	sel, err := podmetrics.ParseSelector(s.Series)
	if err != nil {
		return err
	}
	scan, err := podmetrics.ScanPods(ctx, d, s.Pods, sel)
	if err != nil {
		return &RefusedError{Unknown: []string{fmt.Sprintf("cannot tell whether a pod still %s: %v", s.Means, err)}, Because: s.Because}
	}
	var using, unknown []string
	rolling := map[string]bool{}
	seen := 0
	for _, p := range scan {
		if p.Ended || p.NotMimir {
			continue
		}
		seen++
		switch {
		case p.Err != nil:
			unknown = append(unknown, fmt.Sprintf("cannot tell whether %s still %s: %v", p.Pod, s.Means, p.Err))
		case len(p.Samples) > 0:
			msg := fmt.Sprintf("%s still %s", p.Pod, s.Means)
			if p.Hold != "" {
				msg += " (" + p.Hold + ")"
			}
			using = append(using, msg)
		default:
			continue
		}
		if p.Workload != "" {
			rolling[p.Workload] = true
		}
	}
	if seen == 0 {
		return &RefusedError{Unknown: []string{fmt.Sprintf("found no %s in namespace %s: cannot tell whether a pod still %s", s.Pods, d.Namespace, s.Means)},
			Because: s.Because, Hint: "check the plan's pod selector"}
	}
	if len(using)+len(unknown) == 0 {
		return nil
	}
	hint := "wait until every pod runs without it, then resume"
	if len(rolling) > 0 {
		var cmds []string
		for _, w := range slices.Sorted(maps.Keys(rolling)) {
			kind, name, _ := strings.Cut(w, " ")
			cmds = append(cmds, fmt.Sprintf("kubectl -n %s rollout status %s/%s", d.Namespace, strings.ToLower(kind), name))
		}
		hint = "wait until the rollout is complete (" + strings.Join(cmds, ", ") + "), then resume"
	}
	return &RefusedError{Using: using, Unknown: unknown, Because: s.Because, Hint: hint}
}
