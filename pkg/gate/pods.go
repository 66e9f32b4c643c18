package gate

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/mimirctl/mimirctl/pkg/podaccess"
	"github.com/mimirctl/mimirctl/pkg/verdict"
)

// MaxParallel bounds the requests a gate sends to pods at the same time.
const MaxParallel = 8

// PodResult is what one pod answered.
type PodResult[T any] struct {
	Target podaccess.Target
	Value  T
	Err    error
}

// Selected is the outcome of fetching from every selected pod.
type Selected[T any] struct {
	// Results holds one entry per reachable pod, in pod-name order.
	Results []PodResult[T]
	// NotRunning lists selected pods that could not be asked ("name: reason").
	NotRunning []string
	// Terminating names the pods of NotRunning that are being deleted
	// (podaccess.Resolved.Terminating).
	Terminating []string
}

// Total is the number of selected pods, reachable or not.
func (s Selected[T]) Total() int { return len(s.Results) + len(s.NotRunning) }

// FetchPods resolves sel in d.Namespace and calls fetch for every reachable
// pod, at most MaxParallel at a time. The error is about selecting pods;
// fetch errors are in the results.
func FetchPods[T any](ctx context.Context, d Deps, sel podaccess.Selector, fetch func(context.Context, podaccess.Target) (T, error)) (Selected[T], error) {
	if d.Kube == nil || d.Pods == nil {
		return Selected[T]{}, fmt.Errorf("select %s: gate built without a Kubernetes client or pod access", sel)
	}
	res, err := podaccess.Resolve(ctx, d.Kube, d.Namespace, sel)
	if err != nil {
		return Selected[T]{}, err
	}
	out := Selected[T]{Results: make([]PodResult[T], len(res.Targets)), NotRunning: res.NotReady, Terminating: res.Terminating}
	sem := make(chan struct{}, MaxParallel)
	var wg sync.WaitGroup
	for i, t := range res.Targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			v, err := fetch(ctx, t)
			out.Results[i] = PodResult[T]{Target: t, Value: v, Err: err}
		}()
	}
	wg.Wait()
	return out, nil
}

// PodOptions tunes JudgePods.
type PodOptions struct {
	// MinPods is the number of pods that must be selected (default 1). No pod
	// at all is inconclusive; some but fewer than MinPods is a fail.
	MinPods int
	// NotRunning is the verdict for a selected pod that is not running
	// (default inconclusive; a readiness gate makes it a fail).
	NotRunning verdict.Verdict
	// SkipTerminating leaves out pods being deleted, for a gate about what
	// runs from now on (the version a component runs): a rollout's
	// outgoing pods are replaced, and their replacements are judged.
	SkipTerminating bool
}

// JudgePods judges every selected pod with judge and combines the results:
// pass when every pod passes, fail when any fails, inconclusive otherwise.
// what ends the summary, e.g. "ready" gives "3/3 pods ready".
func JudgePods(ctx context.Context, d Deps, sel podaccess.Selector, opts PodOptions, what string, judge func(context.Context, podaccess.Target) verdict.Observation) verdict.Observation {
	sel2, err := FetchPods(ctx, d, sel, func(ctx context.Context, t podaccess.Target) (verdict.Observation, error) {
		return judge(ctx, t), nil
	})
	if err != nil {
		return verdict.Inconclusivef("cannot select pods: %v", err)
	}
	obs := make([]PodObservation, 0, sel2.Total())
	for _, r := range sel2.Results {
		obs = append(obs, PodObservation{Pod: r.Target.Name, Observation: r.Value})
	}
	for _, nr := range sel2.NotRunning {
		name, reason, _ := strings.Cut(nr, ": ")
		if opts.SkipTerminating && slices.Contains(sel2.Terminating, name) {
			continue
		}
		obs = append(obs, PodObservation{Pod: name, Observation: verdict.Observation{Verdict: opts.NotRunning, Summary: "not running: " + reason}})
	}
	return CombinePods(sel, opts.MinPods, what, obs)
}

// PodObservation is one pod's observation.
type PodObservation struct {
	Pod string
	verdict.Observation
}

// CombinePods merges per-pod observations into one: pass when every pod
// passes and at least minPods (default 1) were observed.
func CombinePods(sel podaccess.Selector, minPods int, what string, obs []PodObservation) verdict.Observation {
	if minPods < 1 {
		minPods = 1
	}
	if len(obs) == 0 {
		return verdict.Inconclusivef("found no %s: nothing to judge", sel)
	}
	passed := 0
	var details []string
	worst := verdict.Pass
	for _, o := range obs {
		switch o.Verdict {
		case verdict.Pass:
			passed++
			continue
		case verdict.Fail:
			worst = verdict.Fail
		default:
			if worst == verdict.Pass {
				worst = verdict.Inconclusive
			}
		}
		details = append(details, o.Pod+": "+o.Summary)
		for _, d := range o.Details {
			details = append(details, "  "+d)
		}
	}
	summary := fmt.Sprintf("%d/%d pods %s", passed, len(obs), what)
	if len(obs) < minPods && worst != verdict.Fail {
		worst = verdict.Fail
		summary += fmt.Sprintf("; %d pods selected, want at least %d", len(obs), minPods)
	}
	return verdict.Observation{Verdict: worst, Summary: summary, Details: details}
}
