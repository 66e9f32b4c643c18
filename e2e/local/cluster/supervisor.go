package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"strconv"
	"time"

	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"

	"github.com/mimirctl/mimirctl/e2e/local/internal/config"
	"github.com/mimirctl/mimirctl/e2e/local/internal/controlplane"
	"github.com/mimirctl/mimirctl/e2e/local/internal/ipam"
	"github.com/mimirctl/mimirctl/e2e/local/internal/nodeagent"
	"github.com/mimirctl/mimirctl/e2e/local/internal/pki"
	"github.com/mimirctl/mimirctl/e2e/local/internal/podnet"
	"github.com/mimirctl/mimirctl/e2e/local/internal/procs"
	"github.com/mimirctl/mimirctl/e2e/local/internal/prometheus"
	"github.com/mimirctl/mimirctl/e2e/local/internal/sweep"
)

// supervisor owns the running cluster's components.
type supervisor struct {
	opts    Options
	layout  config.Layout
	names   config.Names
	log     *slog.Logger
	ipam    *ipam.Allocator
	cp      controlplane.Config
	started time.Time
	procs   []*procs.Process // in start order
	client  kubernetes.Interface
	factory informers.SharedInformerFactory
	agent   *nodeagent.Agent
}

// Run is the supervisor: it brings the cluster up in this process and its
// children, writes the cluster description, keeps the components running
// until ctx ends, then stops them all. Up runs it in a detached
// "localcluster supervise" process; call it directly only to run a cluster
// in the foreground.
func Run(ctx context.Context, opts Options, log *slog.Logger) (err error) {
	opts, err = opts.withDefaults()
	if err != nil {
		return err
	}
	s := &supervisor{opts: opts, layout: config.Layout{Root: opts.StateDir}, names: config.NamesFor(opts.StateDir), log: log, started: time.Now()}
	if err := s.prepare(); err != nil {
		return s.fail(err)
	}
	defer s.stop()
	agentCtx, stopAgent := context.WithCancel(context.WithoutCancel(ctx))
	defer func() {
		stopAgent()
		s.waitAgent()
	}()
	if err := s.start(ctx, agentCtx); err != nil {
		return s.fail(err)
	}
	desc := s.description()
	if err := writeJSON(s.layout.Description(), desc); err != nil {
		return s.fail(err)
	}
	log.Info("cluster ready", "seconds", desc.StartupSeconds, "kubeconfig", desc.Kubeconfig, "api", desc.APIServerURL)
	s.watch(ctx)
	log.Info("stopping cluster")
	_ = os.Remove(s.layout.Description())
	return nil
}

// fail records why startup failed, for Up to report.
func (s *supervisor) fail(err error) error {
	_ = os.WriteFile(s.layout.Failure(), []byte(err.Error()+"\n"), 0o644)
	s.log.Error("cluster failed", "err", err)
	return err
}

// prepare writes the pid file, the PKI and the kubeconfig and creates the bridge.
func (s *supervisor) prepare() error {
	if err := os.MkdirAll(s.layout.PIDDir(), 0o755); err != nil {
		return fmt.Errorf("create state directory %s: %w", s.layout.Root, err)
	}
	if err := os.WriteFile(s.layout.SupervisorPID(), []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
		return err
	}
	a, err := ipam.New(s.opts.PodCIDR)
	if err != nil {
		return err
	}
	s.ipam = a
	gw := a.Gateway()
	bundle, err := pki.Generate(pki.Request{
		Dir:          s.layout.PKIDir(),
		APIServerIPs: []net.IP{net.IP(gw.AsSlice()), net.ParseIP("127.0.0.1"), net.ParseIP(config.KubernetesSvcIP)},
		APIServerNames: []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc",
			"kubernetes.default.svc." + config.ClusterDomain},
		KubeletIPs: []net.IP{net.IP(gw.AsSlice())},
		Now:        time.Now(),
	})
	if err != nil {
		return err
	}
	s.cp = controlplane.Config{Layout: s.layout, BinDir: s.opts.BinDir, PKI: bundle, AdvertiseIP: gw, APIServerPort: s.opts.APIServerPort}
	if err := pki.WriteKubeconfig(s.layout.Kubeconfig(), config.ClusterName, s.cp.APIServerURL(), bundle); err != nil {
		return err
	}
	if err := sweep.RecordRunNetns(s.layout); err != nil {
		return fmt.Errorf("record the state of %s: %w", config.NetnsRunDir, err)
	}
	if err := checkSubnetFree(a.Prefix(), s.names.Bridge()); err != nil {
		return err
	}
	return podnet.EnsureBridge(context.Background(), s.names.Bridge(), netip.PrefixFrom(gw, a.Prefix().Bits()))
}

func (s *supervisor) marker() string { return config.MarkerEnv + "=" + s.layout.Root }

// startProcess starts one host component and waits until url answers.
func (s *supervisor) startProcess(ctx context.Context, spec procs.Spec, url string) error {
	p, err := procs.Start(spec, s.marker())
	if err != nil {
		return err
	}
	s.procs = append(s.procs, p)
	s.log.Info("started", "component", spec.Name, "pid", p.PID())
	if err := waitHTTP(ctx, url, s.cp.PKI, p); err != nil {
		return fmt.Errorf("%s did not become healthy at %s: %w (see %s)", spec.Name, url, err, spec.LogFile)
	}
	return nil
}

// stop stops host components in reverse order and removes the bridge.
func (s *supervisor) stop() {
	for i := len(s.procs) - 1; i >= 0; i-- {
		if err := s.procs[i].Stop(10 * time.Second); err != nil {
			s.log.Warn("stop component", "component", s.procs[i].Spec.Name, "err", err)
		}
	}
	if err := podnet.DeleteLink(context.Background(), s.names.Bridge()); err != nil {
		s.log.Warn("remove bridge", "err", err)
	}
	_ = os.Remove(s.layout.SupervisorPID())
}

// watch restarts host components that exit until ctx ends.
func (s *supervisor) watch(ctx context.Context) {
	for {
		cases := make([]<-chan struct{}, len(s.procs))
		for i, p := range s.procs {
			cases[i] = p.Done()
		}
		i, ok := waitAny(ctx, cases)
		if !ok {
			return
		}
		p := s.procs[i]
		s.log.Error("component exited, restarting it", "component", p.Spec.Name, "err", p.Err(), "log", p.Spec.LogFile)
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
		np, err := procs.Start(p.Spec, s.marker())
		if err != nil {
			s.log.Error("restart component", "component", p.Spec.Name, "err", err)
			continue
		}
		s.procs[i] = np
	}
}

func (s *supervisor) waitAgent() {
	if s.agent != nil {
		s.agent.Wait()
	}
}

// description is what Load returns.
func (s *supervisor) description() *Cluster {
	gw := s.ipam.Gateway().String()
	c := &Cluster{
		StateDir: s.layout.Root, Kubeconfig: s.layout.Kubeconfig(), APIServerURL: s.cp.APIServerURL(),
		PodCIDR: s.ipam.Prefix().String(), BridgeName: s.names.Bridge(), BridgeIP: gw,
		DNSServer: net.JoinHostPort(gw, strconv.Itoa(config.DNSPort)), ClusterDomain: config.ClusterDomain,
		Nodes: s.nodes(), BinDir: s.opts.BinDir, SupervisorPID: os.Getpid(), SupervisorLog: s.layout.SupervisorLog(),
		StartedAt: s.started, StartupSeconds: time.Since(s.started).Round(10 * time.Millisecond).Seconds(),
	}
	if !s.opts.NoPrometheus {
		c.PrometheusURL = "http://" + prometheus.Address(s.opts.PrometheusPort)
	}
	return c
}

func (s *supervisor) nodes() []Node {
	var out []Node
	for _, z := range s.opts.Zones {
		for i := 1; i <= s.opts.NodesPerZone; i++ {
			out = append(out, Node{Name: fmt.Sprintf("%s-node-%d", z, i), Zone: z})
		}
	}
	return out
}

func writeJSON(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return os.Rename(tmp, path)
}

var errExited = errors.New("process exited")

// checkSubnetFree refuses a pod CIDR that overlaps an address of another
// interface (such as another local cluster's bridge).
func checkSubnetFree(cidr netip.Prefix, ownBridge string) error {
	ifaces, err := net.Interfaces()
	if err != nil {
		return fmt.Errorf("list network interfaces: %w", err)
	}
	for _, ifc := range ifaces {
		if ifc.Name == ownBridge {
			continue
		}
		addrs, _ := ifc.Addrs()
		for _, a := range addrs {
			ipn, ok := a.(*net.IPNet)
			if !ok {
				continue
			}
			p, ok := netip.AddrFromSlice(ipn.IP)
			ones, _ := ipn.Mask.Size()
			if ok && netip.PrefixFrom(p.Unmap(), ones).Masked().Overlaps(cidr) {
				return fmt.Errorf("pod CIDR %s overlaps %s on interface %s (another local cluster?): choose another with --pod-cidr", cidr, a, ifc.Name)
			}
		}
	}
	return nil
}
