package ingestershutdown

import (
	"context"
	"time"

	"k8s.io/client-go/kubernetes"

	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
)

// Observer reads what Mimir pods report: PodObserver in a run; tests use
// recorded responses.
type Observer interface {
	// Metrics returns each named metric's value on the pod, summed over its
	// series; a metric the pod does not expose is absent from the map.
	Metrics(ctx context.Context, t podaccess.Target, names ...string) (map[string]float64, error)
	ConfigReader
}

// ConfigReader reads one setting of a pod's /config.
type ConfigReader interface {
	// Config returns the value at a dotted path of the pod's /config YAML,
	// e.g. "querier.query_store_after"; an error when the pod cannot be
	// read or has no such key.
	Config(ctx context.Context, t podaccess.Target, key string) (string, error)
}

// Pods is what LargestDuration reads settings with: the pods of a
// namespace and a /config reader (mimirapi.ConfigReader in production).
type Pods struct {
	Kube      kubernetes.Interface
	Namespace string
	Config    ConfigReader
}

// Deps is what the procedure acts with.
type Deps struct {
	Kube      kubernetes.Interface
	Namespace string
	Pods      podaccess.Doer
	Observer  Observer
	// Now is the clock of Check and Preview, which run outside an Apply;
	// pass the run's clock (plan.Clock.Now), as the engine's binder does.
	// time.Now when nil, for callers without a run. Apply never reads it:
	// its checks, deadlines and records take the run's clock from its
	// plan.Progress (Now, Sleep, WaitUntil), so a fake clock and the
	// maintenance window reach all of it.
	Now func() time.Time
	// Poll is the interval between checks while waiting for pods to stop
	// (default 2s). The polls sleep on the run's Progress.Sleep (the
	// executor's clock, which stops the action at the maintenance window's
	// end).
	Poll time.Duration
}

func (d Deps) now() time.Time {
	if d.Now == nil {
		return time.Now()
	}
	return d.Now()
}

// sleep waits one poll interval (Poll, default 2s) on the run's clock,
// p.Sleep; its error (the window's end, an interruption) ends the wait.
func (d Deps) sleep(ctx context.Context, p plan.Progress) error {
	poll := d.Poll
	if poll <= 0 {
		poll = 2 * time.Second
	}
	return p.Sleep(ctx, poll)
}
