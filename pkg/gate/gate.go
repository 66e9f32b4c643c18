// Package gate holds what every mimirctl gate shares: the Gate interface the
// plan engine drives, the dependencies gates are built with, spec value types
// (durations, outcomes, threshold conditions) and the fan-out over selected
// pods.
//
// The gate kinds themselves live in packages named by what they look at:
// ringcheck (ring pages), promgate (PromQL), podmetrics (/metrics of pods),
// mimirapi (versions, readiness, configuration) and kvmigrate (memberlist
// membership, HA-tracker agreement).
package gate

import (
	"context"
	"time"

	"k8s.io/client-go/kubernetes"

	"github.com/mimirctl/mimirctl/pkg/podaccess"
	"github.com/mimirctl/mimirctl/pkg/verdict"
)

// Gate is one check between steps of a plan. Evaluate never returns a pass
// when it could not observe what it needs: unreachable pods, errors, empty
// results and NaN are inconclusive unless the spec explicitly says otherwise.
type Gate interface {
	// Evaluate observes the cluster once and judges what it saw.
	Evaluate(ctx context.Context) verdict.Observation
	// Describe says in one line what the gate checks.
	Describe() string
}

// Deps is what pod-based gates are built with: a Kubernetes client and
// namespace to select pods, a Doer to reach them and a clock.
type Deps struct {
	Kube      kubernetes.Interface
	Namespace string
	Pods      podaccess.Doer
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Clock returns d.Now, or time.Now when it is unset.
func (d Deps) Clock() func() time.Time {
	if d.Now == nil {
		return time.Now
	}
	return d.Now
}
