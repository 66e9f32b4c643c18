package ringcheck

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/mimirctl/mimirctl/pkg/gate"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
	"github.com/mimirctl/mimirctl/pkg/verdict"
)

// Gate judges a ring against a spec's expectations.
type Gate struct {
	spec     Spec
	path     string
	matchers []*matcher
	deps     gate.Deps
}

var _ gate.Gate = (*Gate)(nil)

// New builds a ring gate; deps select and reach the pods the ring is read
// from.
func New(spec Spec, deps gate.Deps) (*Gate, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	path, _ := spec.path()
	g := &Gate{spec: spec, path: path, deps: deps}
	for _, e := range spec.Expect {
		m, err := compile(e)
		if err != nil {
			return nil, err
		}
		g.matchers = append(g.matchers, m)
	}
	return g, nil
}

// Describe says what the gate checks.
func (g *Gate) Describe() string { return g.spec.Describe() }

// Evaluate reads the ring and judges every expectation. Unreachable pods, a
// page that does not parse and an empty ring (unless allowEmpty) are
// inconclusive. With an ownPods expectation the namespace's pods are listed
// first; a failed list is inconclusive.
func (g *Gate) Evaluate(ctx context.Context) verdict.Observation {
	var pods []corev1.Pod
	if g.needsPods() {
		if g.deps.Kube == nil {
			return verdict.Inconclusivef("ring %s: ownPods needs a Kubernetes client to list the pods of namespace %s", g.spec.name(), g.deps.Namespace)
		}
		list, err := g.deps.Kube.CoreV1().Pods(g.deps.Namespace).List(ctx, metav1.ListOptions{})
		if err != nil {
			return verdict.Inconclusivef("ring %s: list the pods of namespace %s to match members to them: %v", g.spec.name(), g.deps.Namespace, err)
		}
		pods = list.Items
	}
	if g.spec.AllPods {
		return gate.JudgePods(ctx, g.deps, g.spec.Pods, gate.PodOptions{}, "see the ring as expected",
			func(ctx context.Context, t podaccess.Target) verdict.Observation {
				ring, err := Fetch(ctx, g.deps.Pods, t, g.path)
				if err != nil {
					return verdict.Inconclusivef("%v", err)
				}
				return g.judge(ring, g.deps.Clock()(), pods)
			})
	}
	ring, from, err := ReadRing(ctx, g.deps, g.spec.Pods, g.path)
	if err != nil {
		return verdict.Inconclusivef("cannot read ring %s: %v", g.spec.name(), err)
	}
	obs := g.judge(ring, g.deps.Clock()(), pods)
	obs.Summary = fmt.Sprintf("%s (read from pod %s)", obs.Summary, from.Name)
	return obs
}

// needsPods reports whether an expectation matches members to pods.
func (g *Gate) needsPods() bool {
	for _, m := range g.matchers {
		if m.OwnPods {
			return true
		}
	}
	return false
}

// Judge applies the expectations to a ring already read. now is used for
// heartbeat ages when the page carries no "now" of its own. Expectations
// with ownPods are inconclusive here: no pod was listed (Evaluate lists
// them).
func (g *Gate) Judge(ring *Ring, now time.Time) verdict.Observation {
	return g.judge(ring, now, nil)
}

// judge is Judge with the namespace's pods (nil: not listed).
func (g *Gate) judge(ring *Ring, now time.Time, pods []corev1.Pod) verdict.Observation {
	if !ring.Now.IsZero() {
		now = ring.Now
	}
	if len(ring.Instances) == 0 && !g.spec.AllowEmpty {
		return verdict.Inconclusivef("ring %s has no members: cannot judge (set allowEmpty: true if an empty ring is expected)", g.spec.name())
	}
	var of *podsOf
	if pods != nil {
		of = &podsOf{namespace: g.deps.Namespace, notPods: map[string]bool{}}
		for _, in := range NotPods(ring, pods) {
			of.notPods[in.ID] = true
		}
	}
	out := verdict.Observation{Verdict: verdict.Pass}
	failed := 0
	for _, m := range g.matchers {
		o := m.check(ring, now, g.spec.heartbeatTimeout(), of)
		if o.Verdict == verdict.Pass {
			continue
		}
		failed++
		if o.Verdict == verdict.Fail || out.Verdict == verdict.Pass {
			out.Verdict = o.Verdict
		}
		out.Details = append(out.Details, o.Summary)
		for _, d := range o.Details {
			out.Details = append(out.Details, "  "+d)
		}
	}
	out.Summary = fmt.Sprintf("ring %s: %d of %d expectations hold (%d members)", g.spec.name(), len(g.matchers)-failed, len(g.matchers), len(ring.Instances))
	return out
}
