package cluster

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"os"
	"reflect"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"

	"github.com/mimirctl/mimirctl/e2e/local/internal/clusterdns"
	"github.com/mimirctl/mimirctl/e2e/local/internal/config"
	"github.com/mimirctl/mimirctl/e2e/local/internal/nodeagent"
	"github.com/mimirctl/mimirctl/e2e/local/internal/pki"
	"github.com/mimirctl/mimirctl/e2e/local/internal/procs"
	"github.com/mimirctl/mimirctl/e2e/local/internal/prometheus"
	"github.com/mimirctl/mimirctl/e2e/local/internal/provisioner"
)

// start brings every component up in dependency order.
func (s *supervisor) start(ctx, agentCtx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, s.opts.ReadyTimeout)
	defer cancel()
	urls := s.cp.HealthURLs()
	for _, spec := range []struct {
		name string
		spec func() procs.Spec
	}{
		{"etcd", s.cp.Etcd}, {"kube-apiserver", s.cp.APIServer},
		{"kube-controller-manager", s.cp.ControllerManager}, {"kube-scheduler", s.cp.Scheduler},
	} {
		if err := s.startProcess(ctx, spec.spec(), urls[spec.name]); err != nil {
			return err
		}
	}
	cfg, err := (&Cluster{Kubeconfig: s.layout.Kubeconfig()}).RESTConfig()
	if err != nil {
		return err
	}
	if s.client, err = kubernetes.NewForConfig(cfg); err != nil {
		return err
	}
	if err := s.startNodeSide(ctx, agentCtx); err != nil {
		return err
	}
	if err := s.waitUsable(ctx); err != nil {
		return err
	}
	if s.opts.NoPrometheus {
		return nil
	}
	if err := prometheus.EnsureInstalled(); err != nil {
		return err
	}
	// Another process on the port (a second local cluster's Prometheus, a
	// packaged one) would answer the readiness check and every query of
	// this cluster's tests in its place, while ours restarts in a loop.
	if err := portFree(prometheus.Address(s.opts.PrometheusPort)); err != nil {
		return fmt.Errorf("prometheus: %w: stop what holds it, or give this cluster another port (localcluster up --prometheus-port N)", err)
	}
	spec, err := prometheus.Spec(s.layout, s.opts.PrometheusPort)
	if err != nil {
		return err
	}
	return s.startProcess(ctx, spec, "http://"+prometheus.Address(s.opts.PrometheusPort)+"/-/ready")
}

// startNodeSide starts informers, cluster DNS, the provisioner, Prometheus
// discovery and the node agent.
func (s *supervisor) startNodeSide(ctx, agentCtx context.Context) error {
	s.factory = informers.NewSharedInformerFactory(s.client, 0)
	listers := clusterdns.NewListers(s.factory)
	prov := provisioner.New(s.client, s.layout, s.log.With("component", "provisioner"))
	if err := prov.Start(agentCtx, s.factory); err != nil {
		return err
	}
	agent, err := s.newAgent()
	if err != nil {
		return err
	}
	if !s.opts.NoPrometheus {
		d := &prometheus.Discovery{Path: prometheus.TargetsFile(s.layout), Log: s.log.With("component", "prometheus-sd")}
		if err := d.Run(agentCtx, s.factory); err != nil {
			return err
		}
	}
	s.factory.Start(agentCtx.Done())
	for typ, ok := range s.factory.WaitForCacheSync(ctx.Done()) {
		if !ok {
			return fmt.Errorf("sync informer cache for %v", typ)
		}
	}
	dns := &clusterdns.Server{
		Resolver: &clusterdns.Resolver{Objects: listers, Zone: config.ClusterDomain + ".", TTL: config.DNSTTL},
		Log:      s.log.With("component", "dns"),
	}
	addr := net.JoinHostPort(s.ipam.Gateway().String(), strconv.Itoa(config.DNSPort))
	if _, err := dns.ListenAndServe(agentCtx, addr); err != nil {
		return err
	}
	if err := agent.Start(agentCtx); err != nil {
		return fmt.Errorf("node agent: %w", err)
	}
	s.agent = agent
	return nil
}

// newAgent configures the node agent and registers its informers.
func (s *supervisor) newAgent() (*nodeagent.Agent, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("find the localcluster binary for container-init: %w", err)
	}
	b := s.cp.PKI
	return nodeagent.New(nodeagent.Config{
		Layout: s.layout, Client: s.client, Nodes: agentNodes(s.nodes()), Names: s.names,
		IPAM: s.ipam, Images: s.opts.imageRules(), BinDir: s.opts.BinDir, InitBinary: self,
		APIServerPort: s.opts.APIServerPort, Marker: s.marker(),
		KubeletCert: b.KubeletCert, KubeletKey: b.KubeletKey, ClientCA: b.CACert,
		Log: s.log.With("component", "node-agent"),
	}, s.factory), nil
}

func agentNodes(nodes []Node) []nodeagent.Node {
	out := make([]nodeagent.Node, len(nodes))
	for i, n := range nodes {
		out[i] = nodeagent.Node{Name: n.Name, Zone: n.Zone}
	}
	return out
}

// waitUsable waits until every node is registered and the default
// namespace's service account exists (pods are refused without it).
func (s *supervisor) waitUsable(ctx context.Context) error {
	want := len(s.nodes())
	return poll(ctx, 200*time.Millisecond, func() (bool, error) {
		nodes, err := s.client.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
		if err != nil || len(nodes.Items) < want {
			return false, nil
		}
		_, err = s.client.CoreV1().ServiceAccounts(corev1.NamespaceDefault).Get(ctx, "default", metav1.GetOptions{})
		return err == nil, nil
	})
}

// poll calls check every interval until it says done, fails, or ctx ends.
func poll(ctx context.Context, interval time.Duration, check func() (bool, error)) error {
	for {
		done, err := check()
		if err != nil || done {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(interval):
		}
	}
}

// waitHTTP waits until url answers 200, failing early when p exits.
func waitHTTP(ctx context.Context, url string, bundle *pki.Bundle, p *procs.Process) error {
	client, err := healthClient(bundle)
	if err != nil {
		return err
	}
	return poll(ctx, 200*time.Millisecond, func() (bool, error) {
		select {
		case <-p.Done():
			return false, fmt.Errorf("%w: %v", errExited, p.Err())
		default:
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := client.Do(req)
		if err != nil {
			return false, nil
		}
		_ = resp.Body.Close()
		return resp.StatusCode == http.StatusOK, nil
	})
}

// healthClient trusts the cluster CA and presents the admin certificate;
// components with self-signed serving certificates are not verified.
func healthClient(b *pki.Bundle) (*http.Client, error) {
	cert, err := tls.LoadX509KeyPair(b.AdminCert, b.AdminKey)
	if err != nil {
		return nil, fmt.Errorf("load admin certificate: %w", err)
	}
	return &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{Certificates: []tls.Certificate{cert}, InsecureSkipVerify: true},
	}}, nil
}

// waitAny returns the index of the first closed channel, or false when ctx ends.
func waitAny(ctx context.Context, chans []<-chan struct{}) (int, bool) {
	cases := []reflect.SelectCase{{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(ctx.Done())}}
	for _, c := range chans {
		cases = append(cases, reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(c)})
	}
	i, _, _ := reflect.Select(cases)
	if i == 0 {
		return 0, false
	}
	return i - 1, true
}

// portFree reports an error when addr (host:port) cannot be listened on.
func portFree(addr string) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("%s is taken: %w", addr, err)
	}
	return l.Close()
}
