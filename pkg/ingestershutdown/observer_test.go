package ingestershutdown

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/mimirctl/mimirctl/pkg/mimir"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
)

// podAt serves page on /metrics (status code status) and returns the pod's
// target for podaccess's direct mode.
func podAt(t *testing.T, status int, page string) podaccess.Target {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/metrics" {
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(page))
	}))
	t.Cleanup(srv.Close)
	host, port, err := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	p, _ := strconv.Atoi(port)
	return podaccess.Target{Namespace: "mimir", Name: "ingester-zone-a-0", IP: host, Port: p}
}

// PodObserver sums each metric over its series, leaves out the metrics the
// pod does not expose, and refuses a scrape that does not answer 200.
func TestPodObserverSumsEachMetricOverItsSeries(t *testing.T) {
	page := "# TYPE cortex_ingester_memory_series gauge\n" +
		"cortex_ingester_memory_series{user=\"a\"} 100\ncortex_ingester_memory_series{user=\"b\"} 23\n"
	o := PodObserver{Pods: podaccess.NewDirect(nil)}
	m, err := o.Metrics(context.Background(), podAt(t, http.StatusOK, page), mimir.MetricMemorySeries, "cortex_ingester_shipper_upload_failures_total")
	if err != nil {
		t.Fatal(err)
	}
	if len(m) != 1 || m[mimir.MetricMemorySeries] != 123 {
		t.Errorf("metrics = %v, want %s 123 alone", m, mimir.MetricMemorySeries)
	}
	if _, err := o.Metrics(context.Background(), podAt(t, http.StatusServiceUnavailable, ""), mimir.MetricMemorySeries); err == nil || !strings.Contains(err.Error(), "status 503") {
		t.Errorf("a 503 scrape: err = %v", err)
	}
}
