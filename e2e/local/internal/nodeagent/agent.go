// Package nodeagent does the kubelet's job for the local cluster: it
// registers the cluster's nodes (zone-labelled), keeps their leases fresh, and
// runs every pod bound to them as real processes.
//
// Each pod gets a network namespace on the host bridge (package podnet), its
// volumes on disk (package volumes), and one process per container, set up by
// the localcluster binary's container-init command (package containerinit)
// from the image's local binary (package images). The agent runs init
// containers in order, restarts containers with back-off, runs startup,
// readiness and liveness probes, reports pod status to the API server, keeps
// ConfigMap and Secret volumes up to date, and on deletion stops containers
// gracefully, removes the sandbox and finalises the pod.
package nodeagent

import (
	"context"
	"log/slog"
	"net/netip"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/mimirctl/mimirctl/e2e/local/internal/config"
	"github.com/mimirctl/mimirctl/e2e/local/internal/images"
	"github.com/mimirctl/mimirctl/e2e/local/internal/ipam"
)

// Node is one node the agent registers and serves.
type Node struct {
	Name string
	Zone string
}

// Config is the agent's environment.
type Config struct {
	Layout config.Layout
	Client kubernetes.Interface
	Nodes  []Node
	Names  config.Names
	IPAM   *ipam.Allocator
	Images []images.Rule
	BinDir string
	// InitBinary is the localcluster binary; containers start as its
	// "container-init" command.
	InitBinary    string
	APIServerPort int
	// Marker is config.MarkerEnv=<state dir>, put into every container.
	Marker string
	// KubeletCert and KubeletKey serve the kubelet API (container logs);
	// ClientCA verifies the API server's client certificate.
	KubeletCert, KubeletKey, ClientCA string
	Log                               *slog.Logger
}

// HostIP is the address of every node: the bridge's.
func (c *Config) HostIP() netip.Addr { return c.IPAM.Gateway() }

// Agent runs pods of Config.Nodes.
type Agent struct {
	cfg     Config
	nodes   map[string]Node
	pods    corelisters.PodLister
	objects *objects
	podInf  cache.SharedIndexInformer

	mu      sync.Mutex
	workers map[types.UID]*podWorker
	wg      sync.WaitGroup
	runCtx  context.Context
}

// New registers the informers the agent needs on factory; the caller starts
// the factory after New and then calls Run.
func New(cfg Config, factory informers.SharedInformerFactory) *Agent {
	a := &Agent{cfg: cfg, nodes: map[string]Node{}, workers: map[types.UID]*podWorker{}}
	for _, n := range cfg.Nodes {
		a.nodes[n.Name] = n
	}
	a.podInf = factory.Core().V1().Pods().Informer()
	a.pods = factory.Core().V1().Pods().Lister()
	a.objects = newObjects(cfg.Client, factory)
	return a
}

// Start registers the nodes, serves the kubelet API and starts serving pods
// until ctx ends; it returns once the nodes are registered. After ctx ends,
// Wait returns when every container is stopped and every sandbox removed.
func (a *Agent) Start(ctx context.Context) error {
	a.runCtx = ctx
	if err := a.registerNodes(ctx); err != nil {
		return err
	}
	if err := a.serveKubeletAPI(ctx); err != nil {
		return err
	}
	go a.heartbeat(ctx)
	_, err := a.podInf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { a.dispatch(obj, false) },
		UpdateFunc: func(_, obj any) { a.dispatch(obj, false) },
		DeleteFunc: func(obj any) { a.dispatch(obj, true) },
	})
	return err
}

// Wait blocks until every pod worker has finished (after Start's ctx ends).
func (a *Agent) Wait() {
	if a.runCtx != nil {
		<-a.runCtx.Done()
	}
	// dispatch starts workers under mu only while the context is live: once
	// mu is taken here, no worker can be added anymore.
	a.mu.Lock()
	a.mu.Unlock() //nolint:staticcheck // an intentional barrier
	a.wg.Wait()
}

// dispatch hands a pod event to the pod's worker, starting one for pods of
// our nodes that have none.
func (a *Agent) dispatch(obj any, deleted bool) {
	if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = tomb.Obj
	}
	pod, ok := obj.(*corev1.Pod)
	if !ok || pod.Spec.NodeName == "" {
		return
	}
	if _, ours := a.nodes[pod.Spec.NodeName]; !ours {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	w := a.workers[pod.UID]
	if w == nil {
		if deleted || a.runCtx.Err() != nil {
			return
		}
		w = newPodWorker(a, pod)
		a.workers[pod.UID] = w
		a.wg.Add(1)
		go func() {
			defer a.wg.Done()
			w.run(a.runCtx)
			a.mu.Lock()
			delete(a.workers, pod.UID)
			a.mu.Unlock()
		}()
	}
	w.update(pod, deleted)
}

// PodCount reports how many pods the agent currently runs.
func (a *Agent) PodCount() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.workers)
}

// clock is swapped in tests.
var now = time.Now
