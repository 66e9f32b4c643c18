package envchange

import (
	"bytes"
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/mimirctl/mimirctl/pkg/diff"
	"github.com/mimirctl/mimirctl/pkg/gate"
	"github.com/mimirctl/mimirctl/pkg/helmenv"
	"github.com/mimirctl/mimirctl/pkg/invocation"
	"github.com/mimirctl/mimirctl/pkg/kube"
	"github.com/mimirctl/mimirctl/pkg/plan"
)

// ErrNoHelmEnvironment is the refusal of a helmValues action when the run
// was given no Helm release.
var ErrNoHelmEnvironment = invocation.NewError(func() string {
	return "this step changes a Helm release: pass --chart DIR --release NAME -f VALUES.yaml... (the chart, release and values files you give `helm upgrade`)"
})

// NewHelm binds the helmValues action of spec, the action at step of plan
// p, to the Helm release d.Helm. Errors: d.Helm is nil (no --chart).
func NewHelm(spec *HelmValuesSpec, p *plan.Plan, step *plan.Step, d Deps) (plan.Action, error) {
	if d.Helm == nil {
		return nil, ErrNoHelmEnvironment
	}
	d = d.withDefaults()
	return &helmAction{spec: spec, d: d, env: d.Helm, p: p, step: step}, nil
}

// helmAction applies a HelmValuesSpec: write the values file, upgrade the
// release through Helm's SDK (or wait for the user's pipeline to), wait
// for rollouts.
type helmAction struct {
	spec *HelmValuesSpec
	d    Deps
	env  *HelmEnvironment
	p    *plan.Plan
	step *plan.Step
}

var (
	_ plan.Action    = (*helmAction)(nil)
	_ plan.Previewer = (*helmAction)(nil)
)

// desired is what an upgrade with values would leave in the cluster.
func (a *helmAction) desired(ctx context.Context, values map[string]any) (*HelmDesired, error) {
	return a.env.Desired(ctx, a.d.Kube, a.d.Mapper, values)
}

// Check is done when the values file holds the change, the cluster
// matches the release rendered with it (nothing to update, create or
// delete) and nothing is left to roll out.
func (a *helmAction) Check(ctx context.Context) (bool, string, error) {
	file, err := a.env.ReadOverlay()
	if err != nil {
		return false, "", err
	}
	spec, _, err := a.spec.Resolve(file, a.render(ctx))
	if err != nil {
		return false, "", err
	}
	if !spec.AppliedIn(file) || !a.heldIn(file) {
		return false, fmt.Sprintf("%s does not hold this change yet", helmenv.OverlayFile), nil
	}
	d, err := a.desired(ctx, file)
	if err != nil {
		return false, "", err
	}
	if d.Current == nil {
		return false, "", a.notInstalled()
	}
	report, err := d.Compare(ctx, a.d.Dynamic, a.d.Mapper)
	if err != nil {
		return false, "", err
	}
	if !report.Empty() {
		return false, fmt.Sprintf("the cluster differs from Helm release %s (revision %d) with %s: %s", a.env.Env.Release, d.Current.Revision, helmenv.OverlayFile, report.Summary()), nil
	}
	if !a.spec.NoRollout {
		statuses, err := rollouts(ctx, a.d, workloadsOf(d.Objects))
		if err != nil {
			return false, "", err
		}
		if pending := notDone(statuses); pending != "" {
			return false, "rolling out: " + pending, nil
		}
	}
	return true, fmt.Sprintf("%s holds the change and the cluster matches Helm release %s (revision %d)", helmenv.OverlayFile, a.env.Env.Release, d.Current.Revision), nil
}

// heldIn reports whether the values file holds what the plan's helmValues
// changes up to and including this one leave there (ValuesTrail), as
// jsonnetAction.heldIn does for the overlay file: a step that only removes
// a value an earlier step sets (limits given back) is not done in a file
// that never had it.
func (a *helmAction) heldIn(file map[string]any) bool {
	_, specs := changesOf[*HelmValuesSpec](a.p)
	holds, _ := ValuesTrail(file, specs)
	for i, s := range specs {
		if s == a.spec {
			return holds[i]
		}
	}
	return true // a spec not from the plan: AppliedIn alone decides
}

// render renders the release with the values it is given.
func (a *helmAction) render(ctx context.Context) func(map[string]any) ([]*unstructured.Unstructured, error) {
	return func(values map[string]any) ([]*unstructured.Unstructured, error) {
		return a.env.Rendered(ctx, a.d.Kube, a.d.Mapper, values)
	}
}

// notInstalled refuses a release Helm has no record of: mimirctl upgrades
// releases, it does not install them.
func (a *helmAction) notInstalled() error {
	return fmt.Errorf("the Helm release %s is not installed in namespace %s (no release record): install it with helm first, or give the release's name and namespace (--release, -n)", a.env.Env.Release, a.env.Env.Namespace)
}

// Apply writes the values file and makes the release match it. Before
// the file is written (once it holds the change, that is already out):
// refuseWhile, requireRingStores, the check of what the upgrade would do (see refuseUpgrade)
// and the warning for a change that renders no different object. Direct
// mode then upgrades the release through Helm's SDK (one new revision,
// see helmenv.Environment.Upgrade; none when the file already held the
// change and the cluster matches it) and waits for the rollouts of the
// release's workloads; external mode waits until the cluster matches the release with
// the file, then for the rollouts.
func (a *helmAction) Apply(ctx context.Context, p plan.Progress) error {
	file, err := a.env.ReadOverlay()
	if err != nil {
		return err
	}
	spec, unscaled, err := a.spec.Resolve(file, a.render(ctx))
	if err != nil {
		return err
	}
	next := spec.ApplyTo(file)
	applied := spec.AppliedIn(file)
	if !applied {
		if len(spec.ExpectValues) > 0 {
			merged, err := a.env.Env.ChartValues(next)
			if err != nil {
				return err
			}
			if err := spec.CheckExpectedValues(merged); err != nil {
				return err
			}
		}
		deps := gate.Deps{Kube: a.d.Kube, Namespace: a.d.Namespace, Pods: a.d.Pods, Now: a.d.Now}
		if a.spec.RefuseWhile != nil {
			if err := a.spec.RefuseWhile.Check(ctx, deps); err != nil {
				return err
			}
		}
		if a.spec.RequireRingStores != nil {
			if err := a.spec.RequireRingStores.Check(ctx, deps); err != nil {
				return err
			}
		}
	}
	d, err := a.desired(ctx, next)
	if err != nil {
		return err
	}
	if d.Current == nil {
		return a.notInstalled()
	}
	report, err := d.Compare(ctx, a.d.Dynamic, a.d.Mapper)
	if err != nil {
		return err
	}
	changed := changedObjects(d.Objects, report)
	if len(spec.ScaleLimits) > 0 {
		verified, err := helmScale.check(d.Objects, unscaled, spec.ScaleLimits)
		if err != nil {
			return err
		}
		p.Report("scaled as expected: " + strings.Join(verified, "; "))
	}
	if !applied {
		before, err := a.env.Rendered(ctx, a.d.Kube, a.d.Mapper, file)
		if err != nil {
			return err
		}
		delta, err := renderDelta(before, d.Objects)
		if err != nil {
			return err
		}
		w := a.inertWarning(delta)
		if rs := a.spec.RequireRingStores; rs != nil {
			// The rings' stores must change in what the pods run: a
			// values change that renders nothing new, or flags that
			// override the configuration file, would restart nothing or
			// everything for nothing, and the step's gates would time out.
			if w != "" {
				return fmt.Errorf("refused: %s; the rings' stores would not change", w)
			}
			if err := rs.CheckRendered(d.Objects); err != nil {
				return err
			}
		}
		if w != "" {
			p.Report("warning: " + w)
		}
	}
	if err := a.refuseUpgrade(ctx, d, changed); err != nil {
		return err
	}
	if err := a.env.WriteOverlay(next, a.p.Name, a.step.ID); err != nil {
		return err
	}
	p.Report("wrote " + a.env.OverlayPath())
	for _, k := range d.Kept {
		p.Report("warning: " + k)
	}
	if a.d.External {
		return a.waitExternal(ctx, p, d)
	}
	// A run stopped after the upgrade finds the file holding the change
	// and the cluster matching it: only the rollouts are left to wait for.
	if !report.Empty() || !applied {
		p.Report(fmt.Sprintf("helm upgrade of release %s from revision %d (%s)", a.env.Env.Release, d.Current.Revision, report.Summary()))
		rel, err := a.env.Env.Upgrade(ctx, a.env.Getter, next, helmenv.UpgradeOptions{
			Description:    fmt.Sprintf("mimirctl: plan %s, step %s", a.p.Name, a.step.ID),
			ForceConflicts: a.d.ForceConflicts,
		})
		if err != nil {
			return err
		}
		p.Report(fmt.Sprintf("Helm release %s is at revision %d (%s)", rel.Name, rel.Revision, rel.Status))
	}
	if a.spec.NoRollout {
		return nil
	}
	// Every workload of the release, as Check requires: those the upgrade
	// changed, and those a stopped run left rolling.
	return waitRollouts(ctx, a.d, p, workloadsOf(d.Objects))
}

// refuseUpgrade stops an upgrade that would take the cluster down or lose
// data, before the values file is written: one that deletes a StatefulSet
// that still runs pods (a stateful component is shut down by its own
// procedure), or, in direct mode, one that restarts two zones of a rollout
// group at once. Helm applies a release in one go, so mimirctl cannot
// roll zones one after the other as it does for Tanka: zone StatefulSets
// must be OnDelete, rolled zone by zone by rollout-operator (the
// mimir-distributed chart renders them so), not RollingUpdate.
func (a *helmAction) refuseUpgrade(ctx context.Context, d *HelmDesired, changed []*unstructured.Unstructured) error {
	var gone []kube.PruneItem
	for _, o := range d.Gone {
		gone = append(gone, kube.PruneItem{Object: diff.RefOf(o)})
	}
	if err := refuseRunningStatefulSets(ctx, a.d.Kube, gone); err != nil {
		return err
	}
	if a.d.External || a.spec.NoRollout {
		return nil
	}
	if waves := rolloutWaves(changed); len(waves) > 1 {
		var zones []string
		for _, w := range waves {
			for _, o := range w {
				if zoneGroup(o) != "" {
					zones = append(zones, o.GetName())
				}
			}
		}
		return fmt.Errorf("this change restarts the zones %s at once (StatefulSets of one rollout group that Kubernetes rolls by itself, updateStrategy RollingUpdate): helm upgrade applies every zone together, so make them OnDelete under rollout-operator (as the mimir-distributed chart renders zone-aware components), or use --apply-mode=external and roll the zones one at a time yourself",
			strings.Join(zones, ", "))
	}
	return nil
}

// waitExternal is --apply-mode=external: the user's pipeline upgrades the
// release with the values file. It polls (every 5s) on the run's clock
// until the cluster matches d and d.Gone are gone, for up to
// ExternalTimeout, then waits for the rollouts.
func (a *helmAction) waitExternal(ctx context.Context, p plan.Progress, d *HelmDesired) error {
	p.Report(fmt.Sprintf("waiting up to %s for your pipeline to upgrade Helm release %s with %s last (--apply-mode=external)", a.d.ExternalTimeout, a.env.Env.Release, a.env.OverlayPath()))
	wctx, sleep, cancel := plan.ProgressWait(ctx, p, a.d.ExternalTimeout)
	defer cancel()
	last := ""
	_, err := kube.WaitUntilMatches(wctx, a.d.Dynamic, a.d.Mapper, d.Objects, d.Gone, kube.MatchOptions{
		WaitOptions: kube.WaitOptions{Sleep: sleep},
		Diff:        diff.Options{FieldManager: helmenv.FieldManager},
		Progress: func(r *diff.Report) {
			if s := r.Summary(); s != last {
				p.Report("cluster vs Helm release: " + s)
				last = s
			}
		}})
	if err != nil {
		return err
	}
	if a.spec.NoRollout {
		return nil
	}
	return waitRollouts(ctx, a.d, p, workloadsOf(d.Objects))
}

// Preview shows what this change does relative to the release as it will
// be when the step runs (the values file plus earlier steps' changes):
// the objects it renders differently, rendered with the cluster's
// capabilities.
func (a *helmAction) Preview(ctx context.Context) (plan.Change, error) {
	file, err := a.env.ReadOverlay()
	if err != nil {
		return plan.Change{}, err
	}
	before := ValuesBefore(file, a.p, a.step, a.spec)
	spec, unscaled, err := a.spec.Resolve(before, a.render(ctx))
	if err != nil {
		return plan.Change{}, err
	}
	after := spec.ApplyTo(before)
	ob, err := a.env.Rendered(ctx, a.d.Kube, a.d.Mapper, before)
	if err != nil {
		return plan.Change{}, err
	}
	oa := ob
	if !reflect.DeepEqual(before, after) {
		if oa, err = a.env.Rendered(ctx, a.d.Kube, a.d.Mapper, after); err != nil {
			return plan.Change{}, err
		}
	}
	// What Helm keeps is not deleted by the upgrade.
	_, keptObjs := helmLeftovers(ob, oa)
	var kept []string
	for _, o := range keptObjs {
		kept = append(kept, keptWarning(o, "the release before step "+a.step.ID))
	}
	ob = slices.DeleteFunc(slices.Clone(ob), func(o *unstructured.Unstructured) bool { return slices.Contains(keptObjs, o) })
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
	if len(spec.ScaleLimits) > 0 {
		if _, err := helmScale.check(oa, unscaled, spec.ScaleLimits); err != nil {
			ch.Warnings = append(ch.Warnings, err.Error())
		}
	}
	ch.Warnings = append(ch.Warnings, kept...)
	return ch, nil
}

// inertWarning explains a change that renders no different object: right
// when the release already had these values, a silent failure when the
// chart does not read them.
func (a *helmAction) inertWarning(r *diff.Report) string {
	if !r.Empty() || len(a.spec.Set) == 0 {
		return ""
	}
	return fmt.Sprintf("the release renders the same objects with and without this change: either its values already hold it, or chart %s does not read %s (check the chart's version and the plan's parameters before applying)",
		a.env.Env.Chart, strings.TrimPrefix(a.spec.Describe(), "helm values: "))
}
