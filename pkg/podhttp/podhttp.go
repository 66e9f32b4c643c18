// Package podhttp holds the step kinds that speak HTTP to each selected
// Mimir pod through podaccess (port-forward or direct): the `http` action,
// one call per pod recorded in the run state so that a resumed run does not
// repeat it, and the `http` gate, a probe every selected pod must answer.
package podhttp

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"

	"k8s.io/client-go/kubernetes"

	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
	"github.com/mimirctl/mimirctl/pkg/verdict"
)

// pods selects the pods of a spec and refuses a selection smaller than min.
func pods(ctx context.Context, kube kubernetes.Interface, ns string, sel podaccess.Selector, minPods int) ([]podaccess.Target, error) {
	res, err := podaccess.Resolve(ctx, kube, ns, sel)
	if err != nil {
		return nil, err
	}
	if len(res.NotReady) > 0 {
		return nil, fmt.Errorf("%s: not all selected pods can be reached: %s", sel, strings.Join(res.NotReady, "; "))
	}
	if len(res.Targets) < minPods {
		return nil, fmt.Errorf("%s in namespace %s: found %d pods, need at least %d", sel, ns, len(res.Targets), minPods)
	}
	return res.Targets, nil
}

// Deps is what the http action and gate act with.
type Deps struct {
	// Kube lists the pods of Namespace that a selector picks.
	Kube      kubernetes.Interface
	Namespace string
	// Pods sends the requests to the pods.
	Pods podaccess.Doer
}

// New binds the http action of spec.
func New(spec *CallSpec, d Deps) plan.Action {
	return &httpCall{spec: spec, kube: d.Kube, ns: d.Namespace, doer: d.Pods}
}

// NewGate binds the http gate of spec.
func NewGate(spec *GateSpec, d Deps) plan.Gate {
	return &httpGate{spec: spec, kube: d.Kube, ns: d.Namespace, doer: d.Pods}
}

type httpCall struct {
	spec *CallSpec
	kube kubernetes.Interface
	ns   string
	doer podaccess.Doer
}

// progressKey is the run-state key of the call of pod: "called/<pod>".
func progressKey(pod string) string { return "called/" + pod }

// Check passes when the `done` probe passes on every selected pod.
func (a *httpCall) Check(ctx context.Context) (bool, string, error) {
	targets, err := pods(ctx, a.kube, a.ns, a.spec.Pods, a.spec.minPods())
	if err != nil {
		return false, "", err
	}
	if a.spec.Done == nil {
		return false, fmt.Sprintf("%d pods to call", len(targets)), nil
	}
	var todo []string
	for _, t := range targets {
		ok, err := a.probe(ctx, t)
		if err != nil {
			return false, "", err
		}
		if !ok {
			todo = append(todo, t.Name)
		}
	}
	if len(todo) == 0 {
		return true, fmt.Sprintf("%s %s holds on all %d pods", a.spec.Done.method(), a.spec.Done.Path, len(targets)), nil
	}
	return false, fmt.Sprintf("to call on %s", strings.Join(todo, ", ")), nil
}

func (a *httpCall) probe(ctx context.Context, t podaccess.Target) (bool, error) {
	resp, err := a.doer.Do(ctx, t, a.spec.Done.method(), a.spec.Done.Path, a.spec.Done.header(), nil)
	if err != nil {
		return false, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, podaccess.MaxBody))
	if err != nil {
		return false, fmt.Errorf("read %s from %s: %w", a.spec.Done.Path, t, err)
	}
	return a.spec.Done.accepts(resp.StatusCode, body), nil
}

// Apply calls every pod not called yet, in name order, recording each.
// Before each call it checks the maintenance window (plan.WindowOpen): once the
// window is over it returns the executor's *plan.WindowClosedError without
// starting another call, and the next run calls the pods not recorded.
func (a *httpCall) Apply(ctx context.Context, p plan.Progress) error {
	targets, err := pods(ctx, a.kube, a.ns, a.spec.Pods, a.spec.minPods())
	if err != nil {
		return err
	}
	for _, t := range targets {
		if _, done := p.Get(progressKey(t.Name)); done {
			continue
		}
		if err := plan.WindowOpen(ctx, p); err != nil {
			return err
		}
		if a.spec.Done != nil {
			if ok, err := a.probe(ctx, t); err == nil && ok {
				if err := p.Set(ctx, progressKey(t.Name), "already"); err != nil {
					return err
				}
				continue
			}
		}
		if err := a.call(ctx, t); err != nil {
			return err
		}
		p.Report(fmt.Sprintf("%s %s on %s: ok", a.spec.method(), a.spec.Path, t.Name))
		if err := p.Set(ctx, progressKey(t.Name), p.Now().UTC().Format("2006-01-02T15:04:05Z")); err != nil {
			return err
		}
	}
	return nil
}

func (a *httpCall) call(ctx context.Context, t podaccess.Target) error {
	var body io.Reader
	if a.spec.Body != "" {
		body = strings.NewReader(a.spec.Body)
	}
	resp, err := a.doer.Do(ctx, t, a.spec.method(), a.spec.Path, http.Header{"User-Agent": {"mimirctl"}}, body)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if !a.spec.statusOK(resp.StatusCode) {
		return fmt.Errorf("%s %s on pod %s answered %d: %s", a.spec.method(), a.spec.Path, t, resp.StatusCode, strings.TrimSpace(string(msg)))
	}
	return nil
}

type httpGate struct {
	spec *GateSpec
	kube kubernetes.Interface
	ns   string
	doer podaccess.Doer
}

// Evaluate probes every selected pod; unreachable pods make it inconclusive.
func (g *httpGate) Evaluate(ctx context.Context) verdict.Observation {
	res, err := podaccess.Resolve(ctx, g.kube, g.ns, g.spec.Pods)
	if err != nil {
		return verdict.Inconclusivef("select pods: %v", err)
	}
	if len(res.Targets) < max(1, g.spec.MinPods) {
		return verdict.Inconclusivef("%s: %d pods answer, need %d", g.spec.Pods, len(res.Targets), max(1, g.spec.MinPods)).WithDetails(res.NotReady...)
	}
	obs := make([]verdict.Observation, 0, len(res.Targets))
	for _, t := range res.Targets {
		status, body, err := podaccess.Get(ctx, g.doer, t, g.spec.Path, g.spec.header())
		switch {
		case err != nil:
			obs = append(obs, verdict.Inconclusivef("%s: %v", t.Name, err))
		case g.spec.accepts(status, body):
			obs = append(obs, verdict.Passf("%s: %d", t.Name, status))
		default:
			obs = append(obs, verdict.Failf("%s: %d %s", t.Name, status, firstLine(string(body))))
		}
	}
	out := verdict.All(fmt.Sprintf("%s %s on %d pods", g.spec.method(), g.spec.Path, len(res.Targets)), obs...)
	if len(res.NotReady) > 0 && out.Verdict == verdict.Pass {
		out = verdict.Inconclusivef("%d pods cannot be reached", len(res.NotReady)).WithDetails(res.NotReady...)
	}
	return out
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	if len(line) > 200 {
		line = line[:200] + "…"
	}
	return line
}
