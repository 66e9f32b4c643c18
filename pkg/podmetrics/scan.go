package podmetrics

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/mimirctl/mimirctl/pkg/gate"
	"github.com/mimirctl/mimirctl/pkg/kube"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
)

// PodScan is what one selected pod exposes of a metric, and where it stands
// in its workload's rollout.
type PodScan struct {
	kube.PodRollout
	// Samples are the series the selector selects on the pod's /metrics
	// page; none when the pod does not expose the metric.
	Samples []gate.Sample
	// Err is why the pod could not be scraped: not running (pending,
	// terminating, no pod IP) or the scrape failed. Nil for an ended pod,
	// which is not scraped, and for a pod that is NotMimir.
	Err error
	// NotMimir is a pod selected by port name alone that answers 404 on
	// /metrics: not a Mimir process (Mimir always serves it), e.g. the
	// mimir-distributed chart's nginx gateway, whose port is named
	// http-metrics too. Callers leave it out.
	NotMimir bool
}

// ErrNoMetricsPage is a pod's 404 on /metrics.
var ErrNoMetricsPage = errors.New("no /metrics page (404)")

// ScanPods scrapes sel's series from every pod d.Namespace's sel selects
// that has not ended (at most gate.MaxParallel at a time) and says where
// each pod stands in its rollout (kube.PodRollouts). The result is in pod
// name order. The error is about listing the pods or reading their owners;
// scrape errors are per pod. With pods selected by port name alone, a pod
// without a /metrics page is NotMimir.
func ScanPods(ctx context.Context, d gate.Deps, pods podaccess.Selector, sel Selector) ([]PodScan, error) {
	if d.Kube == nil || d.Pods == nil {
		return nil, fmt.Errorf("select %s: built without a Kubernetes client or pod access", pods)
	}
	list, err := podaccess.List(ctx, d.Kube, d.Namespace, pods)
	if err != nil {
		return nil, err
	}
	rollouts, err := kube.PodRollouts(ctx, d.Kube, d.Namespace, list)
	if err != nil {
		return nil, err
	}
	out := make([]PodScan, len(list))
	sem := make(chan struct{}, gate.MaxParallel)
	var wg sync.WaitGroup
	for i := range list {
		out[i].PodRollout = rollouts[i]
		if out[i].Ended {
			continue
		}
		t, unreachable := podaccess.TargetOf(&list[i], pods)
		if unreachable != "" {
			out[i].Err = fmt.Errorf("not running: %s", unreachable)
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			out[i].Samples, out[i].Err = Scrape(ctx, d.Pods, t, sel)
			if errors.Is(out[i].Err, ErrNoMetricsPage) && pods.ByPortNameAlone() {
				out[i].Err, out[i].NotMimir = nil, true
			}
		}()
	}
	wg.Wait()
	return out, nil
}
