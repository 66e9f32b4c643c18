//go:build integration

package kube

import (
	"context"
	"net/http"
	"os/exec"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/mimirctl/mimirctl/pkg/podaccess"
)

// slowServer answers every POST after 4 seconds, as an ingester's
// /ingester/flush?wait=true or /ingester/shutdown does with millions of
// series (grafana/mimir#11166).
const slowServer = `
import http.server, time
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.end_headers(); self.wfile.write(b"ready")
    def do_POST(self):
        time.sleep(4); self.send_response(204); self.end_headers()
http.server.ThreadingHTTPServer(("", 8080), H).serve_forever()
`

// TestIntegrationPodProxyCarriesALongCall proves on a real API server that a
// pod call through the pods/proxy subresource outlives the client's request
// timeout when made through podaccess.LongCalls (the API server treats the
// proxy as a long-running request), while the ordinary client is cut.
func TestIntegrationPodProxyCarriesALongCall(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("the local cluster runs busybox-style pods with the host's userland, which has no python3")
	}
	f := newFixture(t)
	if !hasReadyNodes(t, f.c) {
		t.Skip("the cluster has no ready node to run a pod on")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "slow-ingester", Namespace: f.ns},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "slow", Image: "debian:12", Command: []string{"python3", "-c", slowServer},
			Ports:          []corev1.ContainerPort{{Name: "http-metrics", ContainerPort: 8080}},
			ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(8080)}}, PeriodSeconds: 1}}}}}
	if _, err := f.c.Kube.CoreV1().Pods(f.ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// Resolve also takes a running pod that is not ready (mimirctl reaches
	// such ingesters too), so the test waits for the readiness probe: a
	// call before the server listened got the API server's answer to a
	// refused connection in 4 ms, not an error (CI, 2026-12-01).
	var target podaccess.Target
	for {
		p, getErr := f.c.Kube.CoreV1().Pods(f.ns).Get(ctx, "slow-ingester", metav1.GetOptions{})
		res, err := podaccess.Resolve(ctx, f.c.Kube, f.ns, podaccess.Selector{Names: "slow-ingester"})
		if getErr == nil && podReady(p) && err == nil && len(res.Targets) == 1 {
			target = res.Targets[0]
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("the pod did not become ready: %v %v %v", res, err, getErr)
		}
		time.Sleep(time.Second)
	}
	cfg := *f.c.Config
	cfg.Timeout = time.Second // --request-timeout 1s
	client, err := podaccess.NewProxy(&cfg)
	if err != nil {
		t.Fatal(err)
	}
	// The cut shows as "Client.Timeout exceeded" or "context deadline
	// exceeded" depending on where client-go applies the timeout; what the
	// test claims is that the call failed before the pod answered (4 s).
	cutStart := time.Now()
	cutResp, err := client.Do(ctx, target, http.MethodPost, "/ingester/shutdown", nil, nil)
	if cut := time.Since(cutStart); err == nil || cut >= 4*time.Second || ctx.Err() != nil {
		status := "no response"
		if cutResp != nil {
			status = cutResp.Status
			cutResp.Body.Close()
		}
		t.Fatalf("the ordinary client was not cut by its 1s timeout (after %s): %v (%s)", cut, err, status)
	}
	start := time.Now()
	resp, err := podaccess.LongCalls(client).Do(ctx, target, http.MethodPost, "/ingester/shutdown", nil, nil)
	if err != nil {
		t.Fatalf("a 4s call through the pod proxy was cut: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent || time.Since(start) < 4*time.Second {
		t.Fatalf("status %d after %s", resp.StatusCode, time.Since(start))
	}
	t.Logf("a %s call through the API server's pod proxy with --request-timeout 1s", time.Since(start).Round(100*time.Millisecond))
}
