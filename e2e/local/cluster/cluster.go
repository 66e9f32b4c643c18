package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/mimirctl/mimirctl/e2e/local/internal/config"
	"github.com/mimirctl/mimirctl/e2e/local/internal/podlogs"
	"github.com/mimirctl/mimirctl/e2e/local/internal/procs"
)

// Node is a node of the cluster.
type Node struct {
	Name string `json:"name"`
	Zone string `json:"zone"`
}

// Cluster describes a running local cluster. The supervisor writes it as
// cluster.json in the state directory once everything answers.
type Cluster struct {
	StateDir   string `json:"stateDir"`
	Kubeconfig string `json:"kubeconfig"`
	// APIServerURL is https://<bridge address>:<port>.
	APIServerURL string `json:"apiServerURL"`
	// PrometheusURL is http://127.0.0.1:<port> ("" without Prometheus).
	PrometheusURL string `json:"prometheusURL,omitempty"`
	PodCIDR       string `json:"podCIDR"`
	BridgeName    string `json:"bridgeName"`
	BridgeIP      string `json:"bridgeIP"`
	// DNSServer is the cluster DNS (bridge address, port 53).
	DNSServer string `json:"dnsServer"`
	// ClusterDomain is "cluster.local".
	ClusterDomain string `json:"clusterDomain"`
	Nodes         []Node `json:"nodes"`
	BinDir        string `json:"binDir"`
	SupervisorPID int    `json:"supervisorPID"`
	// SupervisorLog is the supervisor's and node agent's log.
	SupervisorLog string    `json:"supervisorLog"`
	StartedAt     time.Time `json:"startedAt"`
	// StartupSeconds is how long the cluster took to become ready.
	StartupSeconds float64 `json:"startupSeconds"`
}

// ErrNotRunning is returned by Load when no cluster runs at the state directory.
var ErrNotRunning = errors.New("no local cluster is running there")

// Load describes the cluster running at stateDir ("" for the default).
func Load(stateDir string) (*Cluster, error) {
	if stateDir == "" {
		stateDir = config.DefaultStateDir
	}
	abs, err := filepath.Abs(stateDir)
	if err != nil {
		return nil, err
	}
	l := config.Layout{Root: abs}
	data, err := os.ReadFile(l.Description())
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%s: %w (start one with: localcluster up)", abs, ErrNotRunning)
	}
	if err != nil {
		return nil, fmt.Errorf("read cluster description: %w", err)
	}
	var c Cluster
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("decode cluster description %s: %w", l.Description(), err)
	}
	if !procs.Alive(c.SupervisorPID) {
		return &c, fmt.Errorf("%s: supervisor %d is gone: %w (clean up with: localcluster down)", abs, c.SupervisorPID, ErrNotRunning)
	}
	return &c, nil
}

// RESTConfig is the admin client configuration.
func (c *Cluster) RESTConfig() (*rest.Config, error) {
	cfg, err := clientcmd.BuildConfigFromFlags("", c.Kubeconfig)
	if err != nil {
		return nil, fmt.Errorf("load kubeconfig %s: %w", c.Kubeconfig, err)
	}
	cfg.QPS, cfg.Burst = 50, 100
	return cfg, nil
}

// Client is an admin clientset.
func (c *Cluster) Client() (kubernetes.Interface, error) {
	cfg, err := c.RESTConfig()
	if err != nil {
		return nil, err
	}
	return kubernetes.NewForConfig(cfg)
}

// Env is the cluster as shell variables: KUBECONFIG, PROMETHEUS_URL, ...
func (c *Cluster) Env() [][2]string {
	return [][2]string{
		{"KUBECONFIG", c.Kubeconfig},
		{"PROMETHEUS_URL", c.PrometheusURL},
		{"MCTL_APISERVER_URL", c.APIServerURL},
		{"MCTL_POD_CIDR", c.PodCIDR},
		{"MCTL_BRIDGE_IP", c.BridgeIP},
		{"MCTL_DNS_SERVER", c.DNSServer},
		{"MCTL_STATE_DIR", c.StateDir},
		{"MCTL_BIN_DIR", c.BinDir},
	}
}

func (c *Cluster) layout() config.Layout { return config.Layout{Root: c.StateDir} }

// PodLogPath is the log file of the latest run of a container (the one
// before with previous); container may be empty for single-container pods.
func (c *Cluster) PodLogPath(namespace, pod, container string, previous bool) (string, error) {
	return podlogs.Find(c.layout(), namespace, pod, container, previous)
}

// PodLogDir is the directory of a pod's container logs (pod UID needed: use
// PodLogPath by name).
func (c *Cluster) PodLogDir(namespace, pod, uid string) string {
	return c.layout().PodLogDir(namespace, pod, uid)
}

// ComponentLog is the log of a host component: etcd, kube-apiserver,
// kube-controller-manager, kube-scheduler, prometheus.
func (c *Cluster) ComponentLog(name string) string { return c.layout().ComponentLog(name) }

// PodNetns is the network namespace of a running pod, for ip netns exec.
func (c *Cluster) PodNetns(ctx context.Context, namespace, pod string) (string, error) {
	cs, err := c.Client()
	if err != nil {
		return "", err
	}
	p, err := cs.CoreV1().Pods(namespace).Get(ctx, pod, metav1.GetOptions{})
	if err != nil {
		return "", fmt.Errorf("get pod %s/%s: %w", namespace, pod, err)
	}
	return config.NamesFor(c.StateDir).Netns(namespace, pod, string(p.UID)), nil
}

// ExecInPodNetwork runs argv on the host inside a pod's network namespace
// (ip netns exec: the pod's address, routes and resolv.conf) and returns
// its combined output.
func (c *Cluster) ExecInPodNetwork(ctx context.Context, namespace, pod string, argv ...string) ([]byte, error) {
	ns, err := c.PodNetns(ctx, namespace, pod)
	if err != nil {
		return nil, err
	}
	out, err := exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", ns}, argv...)...).CombinedOutput()
	if err != nil {
		return out, fmt.Errorf("run %v in network namespace %s: %w", argv, ns, err)
	}
	return out, nil
}

// ExecInContainer runs argv inside a running container (its mount, UTS and
// network namespaces and root, via nsenter) and returns combined output.
func (c *Cluster) ExecInContainer(ctx context.Context, namespace, pod, container string, argv ...string) ([]byte, error) {
	cs, err := c.Client()
	if err != nil {
		return nil, err
	}
	p, err := cs.CoreV1().Pods(namespace).Get(ctx, pod, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("get pod %s/%s: %w", namespace, pod, err)
	}
	if container == "" && len(p.Spec.Containers) > 0 {
		container = p.Spec.Containers[0].Name
	}
	pid := procs.ReadPID(filepath.Join(c.layout().ContainerDir(string(p.UID), container), "pid"))
	if !procs.Alive(pid) {
		return nil, fmt.Errorf("container %s of pod %s/%s is not running", container, namespace, pod)
	}
	args := append([]string{"--target", strconv.Itoa(pid), "--mount", "--uts", "--net", "--root", "--wd", "--"}, argv...)
	out, err := exec.CommandContext(ctx, "nsenter", args...).CombinedOutput()
	if err != nil {
		return out, fmt.Errorf("run %v in container %s of pod %s/%s: %w", argv, container, namespace, pod, err)
	}
	return out, nil
}
