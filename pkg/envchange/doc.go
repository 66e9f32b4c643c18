// Package envchange is the `jsonnet` action: a step's change to the Tanka
// environment, kept in the generated overlay file (tanka.OverlayFile) that
// main.jsonnet imports, then rendered, applied zone by zone, pruned and
// rolled out (or, with --apply-mode=external, waited for while someone
// else's pipeline applies it). It also places a run on a plan's jsonnet
// changes from the overlay file (Trail) and diffs an environment with the
// cluster as an apply would (DiffEnvironment).
//
// The `helmValues` action is its Helm counterpart (HelmValuesSpec): a
// step's values, kept in the generated mimirctl-values.yaml, and the
// release upgraded with it through Helm's SDK as the last values file (or,
// in external mode, waited for), then rolled out (HelmEnvironment).
package envchange

import (
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"github.com/mimirctl/mimirctl/pkg/podaccess"
)

// Deps is what the jsonnet action acts with.
type Deps struct {
	// Env is the run's Tanka environment (OpenEnvironment), for jsonnet
	// actions.
	Env *Environment
	// Helm is the run's Helm release, for helmValues actions.
	Helm *HelmEnvironment
	// Kube reads rollouts and the StatefulSets a prune would delete.
	Kube kubernetes.Interface
	// Dynamic and Mapper read, apply and prune the rendered objects; a nil
	// Dynamic leaves out what needs the cluster in previews (tests of
	// rendering alone).
	Dynamic dynamic.Interface
	Mapper  meta.RESTMapper
	// Namespace, Pods and Now are what a refuseWhile scrapes the pods with.
	Namespace string
	Pods      podaccess.Doer
	Now       func() time.Time
	// External is --apply-mode=external: write the overlay file and wait
	// for someone else's pipeline to apply it.
	External bool
	// DeletePVCs is --delete-pvcs: a prune deletes PVCs too.
	DeletePVCs bool
	// ForceConflicts is --force-conflicts: server-side apply takes fields
	// other managers own.
	ForceConflicts bool
	// RolloutTimeout bounds each wait for rollouts on the run's clock
	// (plan.ProgressWait); 30 minutes when not positive.
	RolloutTimeout time.Duration
	// ExternalTimeout bounds the wait for someone else's pipeline; 2 hours
	// when not positive.
	ExternalTimeout time.Duration
}

// withDefaults is d with the documented timeouts where d has none.
func (d Deps) withDefaults() Deps {
	if d.RolloutTimeout <= 0 {
		d.RolloutTimeout = 30 * time.Minute
	}
	if d.ExternalTimeout <= 0 {
		d.ExternalTimeout = 2 * time.Hour
	}
	return d
}
