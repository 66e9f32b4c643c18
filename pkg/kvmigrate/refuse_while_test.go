package kvmigrate

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mimirctl/mimirctl/pkg/gate/gatetest"
	"github.com/mimirctl/mimirctl/pkg/mimir"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
)

// refuseWhile over "every Mimir pod" (port name alone) leaves out a pod
// without a /metrics page, such as the mimir-distributed chart's nginx
// gateway (its port is named http-metrics too); a pod selected by labels
// that cannot be scraped still refuses.
func TestRefuseWhileLeavesOutPodsThatAreNotMimir(t *testing.T) {
	spec := func(pods podaccess.Selector) *RefuseWhileSpec {
		return &RefuseWhileSpec{Pods: pods, Series: "cortex_multikv_primary_store", Means: "uses the multi KV store", Because: "it would switch back to consul"}
	}
	pods := func(t *testing.T) []gatetest.Pod {
		return []gatetest.Pod{
			{Name: "ingester-0", Labels: map[string]string{"app": "mimir"}, Server: gatetest.FakeMimir(t, map[string]gatetest.Route{mimir.PathMetrics: {Body: "cortex_build_info{version=\"3.0.5\"} 1\n"}})},
			{Name: "mimir-gateway-5d8f7", Labels: map[string]string{"app": "mimir"}, Server: gatetest.FakeMimir(t, nil)},
		}
	}
	if err := spec(podaccess.Selector{PortName: podaccess.DefaultPortName}).Check(context.Background(), gatetest.FakeCluster(t, time.Now(), pods(t)...)); err != nil {
		t.Errorf("by port name: %v, want nil (the gateway is not a Mimir pod)", err)
	}
	err := spec(podaccess.Selector{Labels: "app=mimir"}).Check(context.Background(), gatetest.FakeCluster(t, time.Now(), pods(t)...))
	if err == nil || !strings.Contains(err.Error(), "cannot tell whether mimir-gateway-5d8f7 still uses the multi KV store") {
		t.Errorf("by labels: %v, want the gateway named as unreadable", err)
	}
}
