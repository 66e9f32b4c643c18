package cluster

import (
	"context"
	"net/http"
	"path/filepath"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/mimirctl/mimirctl/e2e/local/internal/config"
	"github.com/mimirctl/mimirctl/e2e/local/internal/procs"
)

// Health is a running cluster's state as Status observes it.
type Health struct {
	Cluster *Cluster `json:"cluster"`
	// Components maps host components (supervisor, etcd, kube-apiserver, ...)
	// to whether their process is alive.
	Components map[string]bool `json:"components"`
	APIServer  bool            `json:"apiServerReady"`
	Prometheus bool            `json:"prometheusReady"`
	ReadyNodes int             `json:"readyNodes"`
	// Pods counts pods by phase.
	Pods map[corev1.PodPhase]int `json:"pods"`
}

// Healthy reports whether every component answers.
func (h *Health) Healthy() bool {
	for _, ok := range h.Components {
		if !ok {
			return false
		}
	}
	return h.APIServer && (h.Cluster.PrometheusURL == "" || h.Prometheus) && h.ReadyNodes == len(h.Cluster.Nodes)
}

// Status checks the cluster running at stateDir.
func Status(ctx context.Context, stateDir string) (*Health, error) {
	c, err := Load(stateDir)
	if err != nil {
		return nil, err
	}
	h := &Health{Cluster: c, Components: map[string]bool{"supervisor": procs.Alive(c.SupervisorPID)}, Pods: map[corev1.PodPhase]int{}}
	pidFiles, _ := filepath.Glob(filepath.Join(config.Layout{Root: c.StateDir}.PIDDir(), "*.pid"))
	for _, f := range pidFiles {
		h.Components[strings.TrimSuffix(filepath.Base(f), ".pid")] = procs.Alive(procs.ReadPID(f))
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if cs, err := c.Client(); err == nil {
		if _, err := cs.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx); err == nil {
			h.APIServer = true
		}
		if nodes, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{}); err == nil {
			h.ReadyNodes = countReady(nodes.Items)
		}
		if pods, err := cs.CoreV1().Pods("").List(ctx, metav1.ListOptions{}); err == nil {
			for _, p := range pods.Items {
				h.Pods[p.Status.Phase]++
			}
		}
	}
	if c.PrometheusURL != "" {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, c.PrometheusURL+"/-/ready", nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			_ = resp.Body.Close()
			h.Prometheus = resp.StatusCode == http.StatusOK
		}
	}
	return h, nil
}

func countReady(nodes []corev1.Node) int {
	n := 0
	for _, node := range nodes {
		for _, c := range node.Status.Conditions {
			if c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue {
				n++
			}
		}
	}
	return n
}

// ComponentNames lists Health.Components' keys in order.
func (h *Health) ComponentNames() []string {
	names := make([]string, 0, len(h.Components))
	for n := range h.Components {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
