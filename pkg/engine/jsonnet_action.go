package engine

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/mimirctl/mimirctl/pkg/diff"
	"github.com/mimirctl/mimirctl/pkg/kube"
	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/pkg/tanka"
)

// jsonnetAction applies a JsonnetSpec: write the overlay, render, apply the
// objects that differ, prune what is no longer rendered, wait for rollouts.
type jsonnetAction struct {
	spec *JsonnetSpec
	b    *Binder
	env  *environment
	p    *plan.Plan
	step *plan.Step
}

var (
	_ plan.Action    = (*jsonnetAction)(nil)
	_ plan.Previewer = (*jsonnetAction)(nil)
)

// desired renders o and returns the objects as they will be applied
// (labelled, unless someone else's pipeline applies them), the live objects
// to prune, and the environment's ownership.
func (a *jsonnetAction) desired(ctx context.Context, o *tanka.Overlay) ([]*unstructured.Unstructured, []kube.PruneItem, kube.Ownership, error) {
	r, err := a.env.render(ctx, o)
	if err != nil {
		return nil, nil, kube.Ownership{}, err
	}
	objs, own, err := AppliedObjects(r, a.b.d.External)
	if err != nil {
		return nil, nil, own, err
	}
	prune, err := kube.PruneCandidates(ctx, a.b.d.Dynamic, a.b.d.Mapper, objs, kube.PruneOptions{Ownership: own, DeletePVCs: a.b.d.DeletePVCs})
	if err != nil {
		return nil, nil, own, err
	}
	return objs, prune, own, nil
}

// Check is done when the overlay file holds the change, the cluster matches
// the environment rendered from it, and nothing is left to prune or roll.
func (a *jsonnetAction) Check(ctx context.Context) (bool, string, error) {
	file, err := tanka.ReadOverlay(a.env.dir)
	if err != nil {
		return false, "", err
	}
	if !a.spec.appliedIn(file) {
		return false, fmt.Sprintf("%s does not hold this change yet", tanka.OverlayFile), nil
	}
	objs, prune, _, err := a.desired(ctx, file)
	if err != nil {
		return false, "", err
	}
	report, err := a.compare(ctx, objs, toDelete(prune, a.b.d.External))
	if err != nil {
		return false, "", err
	}
	if !report.Empty() {
		return false, "the cluster differs from the environment: " + report.Summary(), nil
	}
	if !a.spec.NoRollout {
		statuses, err := a.rollouts(ctx, workloadsOf(objs))
		if err != nil {
			return false, "", err
		}
		if pending := notDone(statuses); pending != "" {
			return false, "rolling out: " + pending, nil
		}
	}
	return true, fmt.Sprintf("%s holds the change and the cluster matches it", tanka.OverlayFile), nil
}

func (a *jsonnetAction) compare(ctx context.Context, objs []*unstructured.Unstructured, deletions []kube.PruneItem) (*diff.Report, error) {
	return compareLive(ctx, a.b.d.Dynamic, a.b.d.Mapper, objs, deletions)
}

// Apply writes the overlay and makes the cluster match it. With
// refuseWhile, it refuses before writing while a pod still exposes the
// series (not once the file holds the change: that is already out).
func (a *jsonnetAction) Apply(ctx context.Context, p plan.Progress) error {
	file, err := tanka.ReadOverlay(a.env.dir)
	if err != nil {
		return err
	}
	next := file.Clone()
	a.spec.applyTo(next)
	next.Plan, next.Step = a.p.Name, a.step.ID
	if !a.spec.appliedIn(file) {
		if a.spec.RefuseWhile != nil {
			if err := a.spec.RefuseWhile.check(ctx, a.b.gateDeps()); err != nil {
				return err
			}
		}
		delta, err := a.renderDelta(ctx, file, next)
		if err != nil {
			return err
		}
		if w := a.inertWarning(delta); w != "" {
			p.Report("warning: " + w)
		}
		if err := a.refuseAutoscalerConflicts(ctx, next); err != nil {
			return err
		}
	}
	if err := tanka.WriteOverlay(a.env.dir, next); err != nil {
		return err
	}
	p.Report(fmt.Sprintf("wrote %s", tanka.OverlayPath(a.env.dir)))
	objs, prune, own, err := a.desired(ctx, next)
	if err != nil {
		return err
	}
	if a.b.d.External {
		return a.waitExternal(ctx, p, objs, toDelete(prune, a.b.d.External))
	}
	report, err := a.compare(ctx, objs, nil)
	if err != nil {
		return err
	}
	changed := changedObjects(objs, report)
	for _, w := range keptWarnings(prune) {
		p.Report("warning: " + w)
	}
	prune = kube.Deletions(prune)
	if err := refuseRunningStatefulSets(ctx, a.b, prune); err != nil {
		return err
	}
	if len(changed) > 0 {
		p.Report(fmt.Sprintf("applying %d objects (%s)", len(changed), report.Summary()))
		waves := [][]*unstructured.Unstructured{changed}
		if !a.spec.NoRollout {
			// A run stopped between two zones left one rolling: let it
			// finish before the next zone restarts.
			if err := a.waitRollouts(ctx, p, workloadsOf(unchangedZones(objs, changed))); err != nil {
				return err
			}
			waves = rolloutWaves(changed)
		}
		for i, wave := range waves {
			if i > 0 {
				p.Report("next zone: " + objectNames(wave))
			}
			if _, err := kube.Apply(ctx, a.b.d.Dynamic, a.b.d.Mapper, wave, kube.ApplyOptions{ForceConflicts: a.b.d.ForceConflicts}); err != nil {
				return err
			}
			if a.spec.NoRollout {
				continue
			}
			if err := a.waitRollouts(ctx, p, workloadsOf(wave)); err != nil {
				return err
			}
		}
	}
	if len(prune) > 0 {
		p.Report(fmt.Sprintf("deleting %d objects no longer rendered: %s", len(prune), pruneList(prune)))
		if err := kube.Prune(ctx, a.b.d.Dynamic, a.b.d.Mapper, prune, own); err != nil {
			return err
		}
	}
	return nil
}

// waitExternal is --apply-mode=external: someone else applies the file.
func (a *jsonnetAction) waitExternal(ctx context.Context, p plan.Progress, objs []*unstructured.Unstructured, prune []kube.PruneItem) error {
	var gone []*unstructured.Unstructured
	for _, it := range prune {
		u := &unstructured.Unstructured{}
		u.SetAPIVersion(it.Object.APIVersion)
		u.SetKind(it.Object.Kind)
		u.SetNamespace(it.Object.Namespace)
		u.SetName(it.Object.Name)
		gone = append(gone, u)
	}
	p.Report(fmt.Sprintf("waiting up to %s for your pipeline to apply %s (--apply-mode=external)", a.b.d.ExternalTimeout, tanka.OverlayPath(a.env.dir)))
	ctx, cancel := context.WithTimeout(ctx, a.b.d.ExternalTimeout)
	defer cancel()
	last := ""
	_, err := kube.WaitUntilMatches(ctx, a.b.d.Dynamic, a.b.d.Mapper, objs, gone, kube.MatchOptions{Progress: func(r *diff.Report) {
		if s := r.Summary(); s != last {
			p.Report("cluster vs environment: " + s)
			last = s
		}
	}})
	if err != nil {
		return err
	}
	return a.waitRollouts(ctx, p, workloadsOf(objs))
}

// Preview shows what this change does relative to the environment as it
// will be when the step runs (the file plus earlier steps' changes).
func (a *jsonnetAction) Preview(ctx context.Context) (plan.Change, error) {
	file, err := tanka.ReadOverlay(a.env.dir)
	if err != nil {
		return plan.Change{}, err
	}
	before := overlayBefore(file, a.p, a.step, a.spec)
	after := before.Clone()
	a.spec.applyTo(after)
	report, err := a.renderDelta(ctx, before, after)
	if err != nil {
		return plan.Change{}, err
	}
	var buf bytes.Buffer
	if err := report.WriteHuman(&buf, diff.ColorNever); err != nil {
		return plan.Change{}, err
	}
	ch := plan.Change{Summary: report.Summary(), Diff: strings.TrimRight(buf.String(), "\n"), Data: report}
	for _, o := range report.Objects {
		if o.Action == diff.ActionDelete {
			ch.Deletes = append(ch.Deletes, o.Ref.String())
		}
	}
	if w := a.inertWarning(report); w != "" {
		ch.Warnings = append(ch.Warnings, w)
	}
	conflicts, err := a.autoscalerConflicts(ctx, after)
	if err != nil {
		return plan.Change{}, err
	}
	ch.Warnings = append(ch.Warnings, conflicts...)
	kept, err := a.keptLeftovers(ctx, after)
	if err != nil {
		return plan.Change{}, err
	}
	ch.Warnings = append(ch.Warnings, kept...)
	return ch, nil
}

// keptLeftovers names the live objects labelled for the environment that
// the environment with overlay o does not render and that the step leaves in
// place (see kube.PruneCandidates). Without a cluster client (tests of
// rendering alone) there are none to name.
func (a *jsonnetAction) keptLeftovers(ctx context.Context, o *tanka.Overlay) ([]string, error) {
	if a.b.d.Dynamic == nil || a.b.d.External {
		return nil, nil
	}
	_, prune, _, err := a.desired(ctx, o)
	if err != nil {
		return nil, err
	}
	return keptWarnings(prune), nil
}

// applied renders the environment with overlay o and returns what an apply
// sends (AppliedObjects).
func (a *jsonnetAction) applied(ctx context.Context, o *tanka.Overlay) ([]*unstructured.Unstructured, error) {
	r, err := a.env.render(ctx, o)
	if err != nil {
		return nil, err
	}
	objs, _, err := AppliedObjects(r, a.b.d.External)
	return objs, err
}

// renderDelta compares what an apply sends for the environment with overlay
// before and with overlay after.
func (a *jsonnetAction) renderDelta(ctx context.Context, before, after *tanka.Overlay) (*diff.Report, error) {
	ob, err := a.applied(ctx, before)
	if err != nil {
		return nil, err
	}
	oa, err := a.applied(ctx, after)
	if err != nil {
		return nil, err
	}
	old := byRef(ob)
	var pairs []diff.Pair
	for _, o := range oa {
		ref := o.GetKind() + "/" + o.GetNamespace() + "/" + o.GetName()
		pairs = append(pairs, diff.Pair{Desired: o, Live: old[ref]})
		delete(old, ref)
	}
	for _, o := range ob {
		if _, gone := old[o.GetKind()+"/"+o.GetNamespace()+"/"+o.GetName()]; gone {
			pairs = append(pairs, diff.Pair{Live: o})
		}
	}
	return diff.Compare(pairs, diff.Options{})
}

// inertWarning explains a change that renders no different object. That is
// right when the environment already had these settings, and a silent
// failure when its library does not read the knobs the step sets (the step
// would then wait on gates that can never pass).
func (a *jsonnetAction) inertWarning(r *diff.Report) string {
	if !r.Empty() {
		return ""
	}
	var knobs []string
	for _, k := range sortedKeys(a.spec.Config) {
		knobs = append(knobs, "_config."+k)
	}
	knobs = append(knobs, sortedKeys(a.spec.Hidden)...)
	knobs = append(knobs, sortedKeys(a.spec.Objects)...)
	if len(knobs) == 0 {
		return ""
	}
	return fmt.Sprintf("the environment renders the same objects with and without this change: either it already has these settings, or its jsonnet library does not read %s (check the plan's parameters, e.g. configMode, before applying)", strings.Join(knobs, ", "))
}

func (a *jsonnetAction) rollouts(ctx context.Context, ws []kube.Workload) ([]kube.RolloutStatus, error) {
	out := make([]kube.RolloutStatus, 0, len(ws))
	for _, w := range ws {
		st, err := kube.CheckRollout(ctx, a.b.d.Kube, w)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, nil
}

func (a *jsonnetAction) waitRollouts(ctx context.Context, p plan.Progress, ws []kube.Workload) error {
	if len(ws) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, a.b.d.RolloutTimeout)
	defer cancel()
	last := ""
	_, err := kube.WaitRollout(ctx, a.b.d.Kube, ws, kube.WaitOptions{Interval: 2 * time.Second}, func(st []kube.RolloutStatus) {
		if s := notDone(st); s != last && s != "" {
			p.Report("rolling out: " + s)
			last = s
		}
	})
	return err
}
