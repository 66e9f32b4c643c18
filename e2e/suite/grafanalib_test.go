//go:build e2e

package suite

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/mimirctl/mimirctl/e2e/grafanalib"
	"github.com/mimirctl/mimirctl/pkg/mimirctl"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
)

// TestGrafanaLibraryEnvironmentServes deploys the e2e environment on
// Grafana's Mimir 3.0.5 jsonnet library (e2e/grafanalib) and checks that it
// works as deployed: a sample pushed to a distributor is answered by the
// query-frontend, the ingester ring holds one ACTIVE ingester per zone, and
// every ingester ships its flushed block to the Versity S3 gateway. It is
// the ground the Mimir 3 scenarios stand on.
func TestGrafanaLibraryEnvironmentServes(t *testing.T) {
	t.Parallel()
	const ns = "e2e-grafana"
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	deployGrafanaEnv(t, grafanalib.Mimir305, ns, "")

	pods, err := podaccess.NewProxy(harness.clients.Config)
	if err != nil {
		t.Fatal(err)
	}
	tenant := http.Header{"X-Scope-OrgID": []string{"e2e"}}
	distributor := podaccess.Target{Namespace: ns, Name: readyPod(ctx, t, ns, "distributor"), Port: 8080}
	frontend := podaccess.Target{Namespace: ns, Name: readyPod(ctx, t, ns, "query-frontend"), Port: 8080}

	at := time.Now()
	otlp := fmt.Sprintf(`{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"e2e_grafana_library","gauge":{"dataPoints":[{"asDouble":7,"timeUnixNano":"%d"}]}}]}]}]}`, at.UnixNano())
	h := tenant.Clone()
	h.Set("Content-Type", "application/json")
	resp, err := pods.Do(ctx, distributor, http.MethodPost, "/otlp/v1/metrics", h, strings.NewReader(otlp))
	if err != nil {
		t.Fatalf("push to %s: %v", distributor, err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("push to %s: %s", distributor, resp.Status)
	}

	// An instant query at "now" (within the 5m lookback of the sample; a
	// time truncated to the second could fall before it).
	query := "/prometheus/api/v1/query?" + url.Values{"query": {"e2e_grafana_library"}}.Encode()
	var answer string
	for attempt := 0; ; attempt++ {
		status, body, err := podaccess.Get(ctx, pods, frontend, query, tenant)
		answer = fmt.Sprintf("%d %v %s", status, err, body)
		var r struct {
			Data struct {
				Result []struct {
					Value [2]any `json:"value"`
				} `json:"result"`
			} `json:"data"`
		}
		if err == nil && status == http.StatusOK && json.Unmarshal(body, &r) == nil && len(r.Data.Result) == 1 && r.Data.Result[0].Value[1] == "7" {
			break
		}
		if attempt == 30 {
			t.Fatalf("the query-frontend does not answer the pushed sample: %s", answer)
		}
		time.Sleep(2 * time.Second)
	}

	ring, err := mimirctl.Ring(ctx, target(ns), mimirctl.RingOptions{Name: "ingester"})
	if err != nil {
		t.Fatal(err)
	}
	zones := map[string]int{}
	for _, m := range ring.Ring.Instances {
		if m.State == "ACTIVE" {
			zones[m.Zone]++
		}
	}
	if zones["zone-a"] != 1 || zones["zone-b"] != 1 || zones["zone-c"] != 1 {
		t.Errorf("ACTIVE ingesters per zone %v, want one in each of zone-a, zone-b, zone-c", zones)
	}

	list, err := harness.clients.Kube.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "rollout-group=ingester"})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != 3 {
		t.Fatalf("%d pods labelled rollout-group=ingester, want 3", len(list.Items))
	}
	for _, p := range list.Items {
		ingester := podaccess.Target{Namespace: ns, Name: p.Name, Port: 8080}
		resp, err := podaccess.LongCalls(pods).Do(ctx, ingester, http.MethodPost, "/ingester/flush?wait=true", nil, nil)
		if err != nil {
			t.Fatalf("flush %s: %v", p.Name, err)
		}
		resp.Body.Close()
		up, failed := shipperCounts(ctx, t, pods, ingester)
		if up < 1 || failed != 0 {
			t.Errorf("%s: the shipper counts %g uploads and %g failures after the flush; want at least 1 and 0", p.Name, up, failed)
		}
	}
}

// shipperCounts reads an ingester's block uploads and upload failures
// (cortex_ingester_shipper_uploads_total, ..._upload_failures_total).
func shipperCounts(ctx context.Context, t *testing.T, pods podaccess.Doer, ingester podaccess.Target) (uploads, failures float64) {
	t.Helper()
	status, body, err := podaccess.Get(ctx, pods, ingester, "/metrics", nil)
	if err != nil || status != http.StatusOK {
		t.Fatalf("GET /metrics of %s: %d %v", ingester, status, err)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(strings.NewReader(string(body)))
	if err != nil {
		t.Fatalf("parse /metrics of %s: %v", ingester, err)
	}
	sum := func(name string) float64 {
		f, ok := families[name]
		if !ok {
			t.Fatalf("%s does not expose %s", ingester, name)
		}
		total := 0.0
		for _, m := range f.GetMetric() {
			total += m.GetCounter().GetValue()
		}
		return total
	}
	return sum("cortex_ingester_shipper_uploads_total"), sum("cortex_ingester_shipper_upload_failures_total")
}
