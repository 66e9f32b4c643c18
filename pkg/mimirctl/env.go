package mimirctl

import (
	"context"
	"errors"
	"fmt"

	"github.com/mimirctl/mimirctl/pkg/diff"
	"github.com/mimirctl/mimirctl/pkg/envchange"
	"github.com/mimirctl/mimirctl/pkg/gate"
	"github.com/mimirctl/mimirctl/pkg/kube"
	"github.com/mimirctl/mimirctl/pkg/mimir"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
	"github.com/mimirctl/mimirctl/pkg/ringcheck"
	"github.com/mimirctl/mimirctl/pkg/tanka"
)

// DiffOptions are the inputs of Diff.
type DiffOptions struct {
	// Env is the Tanka environment directory (holding main.jsonnet);
	// required unless Helm is set.
	Env string
	// Helm names a Helm environment instead of a Tanka one: the diff is
	// then what `helm upgrade` of the release would change (see diffHelm).
	Helm *HelmOptions
	// ApplyMode is "direct" (compare with the labels mimirctl's apply
	// adds) or "external" (as a pipeline applies the rendered objects).
	ApplyMode string
}

// Diff renders the environment (with mimirctl.libsonnet) and compares what
// an apply would send with the live cluster: objects to create and update,
// and objects mimirctl applied that the environment no longer renders.
// Report.Empty() tells a converged cluster; Kept names leftovers an apply
// would leave in place, and why. Errors: ApplyMode neither direct nor
// external; the environment's (tanka.Load; *tanka.EvalError when it does not
// evaluate), before anything connects; an unreachable cluster. With Helm:
// Env given too, and diffHelm's errors.
func Diff(ctx context.Context, t *Target, o DiffOptions) (*envchange.EnvironmentDiff, error) {
	if o.ApplyMode != "direct" && o.ApplyMode != "external" {
		return nil, fmt.Errorf("--apply-mode %q: want direct or external", o.ApplyMode)
	}
	if o.Helm != nil {
		if o.Env != "" {
			return nil, errEnvAndChart
		}
		return diffHelm(ctx, t, o.Helm)
	}
	if o.Env == "" {
		return nil, errNoEnv
	}
	res, err := tanka.Load(ctx, o.Env, tanka.Options{})
	if err != nil {
		return nil, err
	}
	c, err := t.Clients()
	if err != nil {
		return nil, err
	}
	return envchange.DiffEnvironment(ctx, c.Dynamic, c.Mapper, res, o.ApplyMode == "external")
}

// CompareOptions are the inputs of Compare.
type CompareOptions struct {
	// Env, when set, compares the rendered Tanka environment instead of
	// the live cluster.
	Env string
}

// Compare compares the .spec of the workload pairs of Mimir's read-write
// migration doc (diff.DefaultPairs: distributor vs mimir-write-zone-a, ...),
// live (Deployments and StatefulSets of the Target's namespace) or
// rendered. The report has one result per pair, in DefaultPairs' order; a
// pair of which a workload does not exist lists it in Missing and is not
// compared. Differs() tells pairs that differ. Errors: the environment's
// (tanka.Load; *tanka.EvalError when it does not evaluate); an unreachable
// cluster.
func Compare(ctx context.Context, t *Target, o CompareOptions) (*diff.PairReport, error) {
	var g diff.Getter
	if o.Env != "" {
		res, err := tanka.Load(ctx, o.Env, tanka.Options{})
		if err != nil {
			return nil, err
		}
		g = diff.Objects(res.Objects)
	} else {
		c, err := t.Clients()
		if err != nil {
			return nil, err
		}
		g = kube.Workloads{Dynamic: c.Dynamic, Mapper: c.Mapper, Namespace: c.Namespace}
	}
	return diff.ComparePairs(ctx, g, diff.DefaultPairs())
}

// RingOptions are the inputs of Ring.
type RingOptions struct {
	// Name is the ring (mimir.RingNames: ingester, distributor, ...) or
	// its page's path ("/ingester/ring"; then Pods is needed).
	Name string
	// Pods is the label selector of the pods to read the ring page from
	// (default: mimir.RingPodSelector(Name)).
	Pods string
}

// RingResult is a ring as one pod's ring page shows it.
type RingResult struct {
	// Ring is the page's members; its Name is the ring's name when Ring
	// was given one ("" for a page path).
	Ring *ringcheck.Ring
	// From is the pod the page was read from.
	From podaccess.Target
	// Path is the ring page's HTTP path on that pod.
	Path string
}

// Ring reads a Mimir ring's members, zones, states and heartbeats from the
// ring page of one of the pods that serve it (GET of the page with Accept
// application/json, through Target.Pods), trying the running selected pods
// in name order until one answers. Heartbeat ages are to be taken from
// Ring.Now, the serving process's clock. Errors: an unknown ring name
// (listing the known ones); a page path without Pods; no running pod
// matching the selector; an API server that does not answer or a namespace
// that does not exist (Identity's errors); otherwise every pod's failure, joined
// (ringcheck.ErrNotServed for pods that answer 404: their component does
// not hold the ring).
func Ring(ctx context.Context, t *Target, o RingOptions) (*RingResult, error) {
	path, err := ringcheck.PathFor(o.Name)
	if err != nil {
		return nil, err
	}
	sel := podaccess.Selector{Labels: o.Pods}
	if sel.Labels == "" {
		sel.Labels = mimir.RingPodSelector(o.Name)
	}
	if sel.Labels == "" {
		return nil, fmt.Errorf("ring page %s: no default pods serve it; choose them with Pods (--pods), e.g. name=ingester-zone-a", path)
	}
	c, err := t.Clients()
	if err != nil {
		return nil, err
	}
	// An API server that does not answer, or a namespace that does not
	// exist, is no matter of --pods: say so first.
	if _, err := t.Identity(ctx); err != nil {
		return nil, err
	}
	doer, err := t.Pods()
	if err != nil {
		return nil, err
	}
	deps := gate.Deps{Kube: c.Kube, Namespace: c.Namespace, Pods: doer, Now: t.Clock.Now}
	ring, from, err := ringcheck.ReadRing(ctx, deps, sel, path)
	if err != nil {
		return nil, fmt.Errorf("%w; choose the pods that serve the ring with --pods", err)
	}
	if path != o.Name {
		ring.Name = o.Name
	}
	return &RingResult{Ring: ring, From: from, Path: path}, nil
}

// ForgetOptions are the inputs of Forget.
type ForgetOptions struct {
	// Ring is the ring as Ring read it: the instance is forgotten through
	// the same pod's page.
	Ring *RingResult
	// Instance is the instance ID to remove.
	Instance string
	// Force also forgets a member that still heartbeats.
	Force bool
}

// Forget removes one instance from a ring, as the ring page's Forget button
// does (a POST of forget=<id> to the page Ring read, then a second read of
// the page to tell whether the member is gone). It is never called
// implicitly: callers confirm with the operator first. A member counts as
// still heartbeating when its heartbeat is at most
// ringcheck.DefaultHeartbeatTimeout old on the page's clock (the Target's
// Clock when the page has none) and the page does not show it UNHEALTHY.
// Errors: no Ring given; ringcheck.ErrInstanceNotFound (wrapped, listing
// the members); a member that still heartbeats, without Force (the result
// then holds it in Before); an unreachable pod or a page that cannot be
// read.
func Forget(ctx context.Context, t *Target, o ForgetOptions) (ringcheck.ForgetResult, error) {
	if o.Ring == nil {
		return ringcheck.ForgetResult{}, errors.New("forget: no ring given; read it with Ring first")
	}
	doer, err := t.Pods()
	if err != nil {
		return ringcheck.ForgetResult{}, err
	}
	return ringcheck.Forget(ctx, doer, o.Ring.From, o.Ring.Path, o.Instance, ringcheck.ForgetOptions{Force: o.Force, Now: t.Clock.Now()})
}
