package envchange

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/mimirctl/mimirctl/pkg/diff"
	"github.com/mimirctl/mimirctl/pkg/gate"
	"github.com/mimirctl/mimirctl/pkg/kube"
	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/pkg/tanka"
)

// New binds the jsonnet action of spec, the action at step of plan p, in
// the environment d.Env. Errors: d.Env is nil (no --env).
func New(spec *JsonnetSpec, p *plan.Plan, step *plan.Step, d Deps) (plan.Action, error) {
	if d.Env == nil {
		return nil, errNoEnvironment
	}
	d = d.withDefaults()
	return &jsonnetAction{spec: spec, d: d, env: d.Env, p: p, step: step}, nil
}

// jsonnetAction applies a JsonnetSpec: write the overlay, render, apply the
// objects that differ, prune what is no longer rendered, wait for rollouts.
type jsonnetAction struct {
	spec *JsonnetSpec
	d    Deps
	env  *Environment
	p    *plan.Plan
	step *plan.Step
}

var (
	_ plan.Action    = (*jsonnetAction)(nil)
	_ plan.Previewer = (*jsonnetAction)(nil)
)

// applied renders the environment with overlay o and returns what an apply
// sends (AppliedObjects: labelled, unless someone else's pipeline applies
// them) and the environment's ownership. Apply and Preview call it once per
// overlay and hand the objects on.
func (a *jsonnetAction) applied(ctx context.Context, o *tanka.Overlay) ([]*unstructured.Unstructured, kube.Ownership, error) {
	r, err := a.env.render(ctx, o)
	if err != nil {
		return nil, kube.Ownership{}, err
	}
	return AppliedObjects(r, a.d.External)
}

// pruneCandidates are the live objects labelled for the environment that
// objs (as applied) no longer hold (kube.PruneCandidates).
func (a *jsonnetAction) pruneCandidates(ctx context.Context, objs []*unstructured.Unstructured, own kube.Ownership) ([]kube.PruneItem, error) {
	return kube.PruneCandidates(ctx, a.d.Dynamic, a.d.Mapper, objs, kube.PruneOptions{Ownership: own, DeletePVCs: a.d.DeletePVCs})
}

// Check is done when the overlay file holds the change, the cluster matches
// the environment rendered from it, and nothing is left to prune or roll.
func (a *jsonnetAction) Check(ctx context.Context) (bool, string, error) {
	file, err := tanka.ReadOverlay(a.env.dir)
	if err != nil {
		return false, "", err
	}
	if !a.heldIn(file) {
		return false, fmt.Sprintf("%s does not hold this change yet", tanka.OverlayFile), nil
	}
	objs, own, err := a.applied(ctx, file)
	if err != nil {
		return false, "", err
	}
	prune, err := a.pruneCandidates(ctx, objs, own)
	if err != nil {
		return false, "", err
	}
	report, err := a.compare(ctx, objs, toDelete(prune, a.d.External), nil)
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

// heldIn reports whether file holds what the plan's changes up to and
// including this one leave there (OverlayTrail), not only this change: a
// step that removes an override an earlier step of the plan sets (a zone
// held at 0, given back) is not done in a file that never had it.
func (a *jsonnetAction) heldIn(file *tanka.Overlay) bool {
	_, specs := JsonnetChanges(a.p)
	holds, _ := OverlayTrail(file, specs)
	for i, s := range specs {
		if s == a.spec {
			return holds[i]
		}
	}
	return a.spec.AppliedIn(file)
}

// compare diffs objs with the cluster (compareLive); live holds the objects
// read already, nil when none were.
func (a *jsonnetAction) compare(ctx context.Context, objs []*unstructured.Unstructured, deletions []kube.PruneItem, live kube.LiveObjects) (*diff.Report, error) {
	return compareLive(ctx, a.d.Dynamic, a.d.Mapper, objs, deletions, live)
}

// Apply writes the overlay and makes the cluster match it. With
// refuseWhile, it refuses before writing while a pod still exposes the
// series (not once the file holds the change: that is already out). The
// environment is rendered once with the file and once with the change; the
// workloads read for the autoscaler check are not read again for the diff.
func (a *jsonnetAction) Apply(ctx context.Context, p plan.Progress) error {
	file, err := tanka.ReadOverlay(a.env.dir)
	if err != nil {
		return err
	}
	next := file.Clone()
	a.spec.ApplyTo(next)
	next.Plan, next.Step = a.p.Name, a.step.ID
	var (
		objs     []*unstructured.Unstructured
		own      kube.Ownership
		rendered bool
		live     = kube.LiveObjects{}
	)
	if !a.spec.AppliedIn(file) {
		if a.spec.RefuseWhile != nil {
			if err := a.spec.RefuseWhile.Check(ctx, gate.Deps{Kube: a.d.Kube, Namespace: a.d.Namespace, Pods: a.d.Pods, Now: a.d.Now}); err != nil {
				return err
			}
		}
		before, _, err := a.applied(ctx, file)
		if err != nil {
			return err
		}
		if objs, own, err = a.applied(ctx, next); err != nil {
			return err
		}
		rendered = true
		verified, err := a.checkScaled(ctx, next, objs)
		if err != nil {
			return err
		}
		if verified != "" {
			p.Report(verified)
		}
		delta, err := renderDelta(before, objs)
		if err != nil {
			return err
		}
		if w := a.inertWarning(delta); w != "" {
			p.Report("warning: " + w)
		}
		if err := a.refuseAutoscalerConflicts(ctx, objs, live); err != nil {
			return err
		}
	}
	if err := tanka.WriteOverlay(a.env.dir, next); err != nil {
		return err
	}
	p.Report(fmt.Sprintf("wrote %s", tanka.OverlayPath(a.env.dir)))
	if !rendered {
		if objs, own, err = a.applied(ctx, next); err != nil {
			return err
		}
	}
	prune, err := a.pruneCandidates(ctx, objs, own)
	if err != nil {
		return err
	}
	if a.d.External {
		return a.waitExternal(ctx, p, objs, toDelete(prune, a.d.External))
	}
	// Writing the file changed nothing in the cluster: the workloads the
	// autoscaler check read are still what it holds.
	report, err := a.compare(ctx, objs, nil, live)
	if err != nil {
		return err
	}
	changed := changedObjects(objs, report)
	for _, w := range keptWarnings(prune) {
		p.Report("warning: " + w)
	}
	prune = kube.Deletions(prune)
	if err := refuseRunningStatefulSets(ctx, a.d.Kube, prune); err != nil {
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
			if _, err := kube.Apply(ctx, a.d.Dynamic, a.d.Mapper, wave, kube.ApplyOptions{ForceConflicts: a.d.ForceConflicts}); err != nil {
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
		if err := kube.Prune(ctx, a.d.Dynamic, a.d.Mapper, prune, own); err != nil {
			return err
		}
	}
	if len(changed) == 0 && !a.spec.NoRollout {
		// A run stopped (window, kill) after the apply but before its
		// rollouts ended: Check requires them done, so the step is done
		// only once they are, not as soon as nothing is left to apply.
		return a.waitRollouts(ctx, p, workloadsOf(objs))
	}
	return nil
}

// waitExternal is --apply-mode=external: someone else applies the file.
// It polls (every 5s) on the run's clock until the cluster matches objs and
// the pruned objects are gone, for up to ExternalTimeout on that clock, then
// waits for the rollouts (RolloutTimeout). At the maintenance window's end
// it returns the executor's *plan.WindowClosedError: the overlay file holds
// the change, so the next run's Check finds the pipeline's work done or its
// Apply waits again.
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
	p.Report(fmt.Sprintf("waiting up to %s for your pipeline to apply %s (--apply-mode=external)", a.d.ExternalTimeout, tanka.OverlayPath(a.env.dir)))
	wctx, sleep, cancel := plan.ProgressWait(ctx, p, a.d.ExternalTimeout)
	defer cancel()
	last := ""
	_, err := kube.WaitUntilMatches(wctx, a.d.Dynamic, a.d.Mapper, objs, gone, kube.MatchOptions{WaitOptions: kube.WaitOptions{Sleep: sleep}, Progress: func(r *diff.Report) {
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
// will be when the step runs (the file plus earlier steps' changes). The
// environment is rendered once with each of the two overlays (once when the
// change adds nothing to them).
func (a *jsonnetAction) Preview(ctx context.Context) (plan.Change, error) {
	file, err := tanka.ReadOverlay(a.env.dir)
	if err != nil {
		return plan.Change{}, err
	}
	before := OverlayBefore(file, a.p, a.step, a.spec)
	after := before.Clone()
	a.spec.ApplyTo(after)
	ob, own, err := a.applied(ctx, before)
	if err != nil {
		return plan.Change{}, err
	}
	oa := ob
	if !reflect.DeepEqual(before, after) {
		if oa, own, err = a.applied(ctx, after); err != nil {
			return plan.Change{}, err
		}
	}
	if _, err := a.checkScaled(ctx, after, oa); err != nil {
		return plan.Change{}, err
	}
	report, err := renderDelta(ob, oa)
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
	conflicts, err := a.autoscalerConflicts(ctx, oa, nil)
	if err != nil {
		return plan.Change{}, err
	}
	ch.Warnings = append(ch.Warnings, conflicts...)
	kept, err := a.keptLeftovers(ctx, oa, own)
	if err != nil {
		return plan.Change{}, err
	}
	ch.Warnings = append(ch.Warnings, kept...)
	return ch, nil
}

// checkScaled checks with JsonnetSpec.VerifyScaled that objs, the
// environment as applied with o, hold the limits the step expects scaled;
// it says where they were verified, "" when the step expects none.
func (a *jsonnetAction) checkScaled(ctx context.Context, o *tanka.Overlay, objs []*unstructured.Unstructured) (string, error) {
	verified, err := a.spec.VerifyScaled(objs, o, func(u *tanka.Overlay) ([]*unstructured.Unstructured, error) {
		unscaled, _, err := a.applied(ctx, u)
		return unscaled, err
	})
	if err != nil || len(verified) == 0 {
		return "", err
	}
	return "scaled as expected: " + strings.Join(verified, "; "), nil
}

// keptLeftovers names the live objects labelled for the environment that
// objs (the environment as applied with the step's overlay, ownership own)
// do not hold and that the step leaves in place (see kube.PruneCandidates).
// Without a cluster client (tests of rendering alone) there are none to name.
func (a *jsonnetAction) keptLeftovers(ctx context.Context, objs []*unstructured.Unstructured, own kube.Ownership) ([]string, error) {
	if a.d.Dynamic == nil || a.d.External {
		return nil, nil
	}
	prune, err := a.pruneCandidates(ctx, objs, own)
	if err != nil {
		return nil, err
	}
	return keptWarnings(prune), nil
}

// renderDelta compares what an apply sends for the environment with one
// overlay (ob) and with another (oa), both from jsonnetAction.applied.
func renderDelta(ob, oa []*unstructured.Unstructured) (*diff.Report, error) {
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
	for _, k := range slices.Sorted(maps.Keys(a.spec.Config)) {
		knobs = append(knobs, "_config."+k)
	}
	knobs = append(knobs, slices.Sorted(maps.Keys(a.spec.Hidden))...)
	knobs = append(knobs, slices.Sorted(maps.Keys(a.spec.Objects))...)
	for _, path := range slices.Sorted(maps.Keys(a.spec.Scale)) {
		knobs = append(knobs, "_config."+path+" (scaled: a number the environment sets there)")
	}
	if len(knobs) == 0 {
		return ""
	}
	return fmt.Sprintf("the environment renders the same objects with and without this change: either it already has these settings, or its jsonnet library does not read %s (check the plan's parameters, e.g. configMode, before applying)", strings.Join(knobs, ", "))
}

func (a *jsonnetAction) rollouts(ctx context.Context, ws []kube.Workload) ([]kube.RolloutStatus, error) {
	return rollouts(ctx, a.d, ws)
}

func (a *jsonnetAction) waitRollouts(ctx context.Context, p plan.Progress, ws []kube.Workload) error {
	return waitRollouts(ctx, a.d, p, ws)
}

// rollouts reads the rollout status of each of ws.
func rollouts(ctx context.Context, d Deps, ws []kube.Workload) ([]kube.RolloutStatus, error) {
	out := make([]kube.RolloutStatus, 0, len(ws))
	for _, w := range ws {
		st, err := kube.CheckRollout(ctx, d.Kube, w)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, nil
}

// waitRollouts waits until the rollouts of ws are done, polling every 2s
// on the run's clock for up to d.RolloutTimeout on it (plan.ProgressWait).
func waitRollouts(ctx context.Context, d Deps, p plan.Progress, ws []kube.Workload) error {
	if len(ws) == 0 {
		return nil
	}
	ctx, sleep, cancel := plan.ProgressWait(ctx, p, d.RolloutTimeout)
	defer cancel()
	last := ""
	_, err := kube.WaitRollout(ctx, d.Kube, ws, kube.WaitOptions{Interval: 2 * time.Second, Sleep: sleep}, func(st []kube.RolloutStatus) {
		if s := notDone(st); s != last && s != "" {
			p.Report("rolling out: " + s)
			last = s
		}
	})
	return err
}
