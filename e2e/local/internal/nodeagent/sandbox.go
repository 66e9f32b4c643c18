package nodeagent

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/mimirctl/mimirctl/e2e/local/internal/config"
	"github.com/mimirctl/mimirctl/e2e/local/internal/podnet"
	"github.com/mimirctl/mimirctl/e2e/local/internal/volumes"
)

// sandbox is a pod's network and volume sources.
type sandbox struct {
	net         podnet.Sandbox // zero for host-network pods
	ip          netip.Addr
	hostNetwork bool
	sources     map[string]string // volume name -> host path
}

// netnsPath is the namespace file containers join ("" for host network).
func (s *sandbox) netnsPath() string {
	if s.hostNetwork {
		return ""
	}
	return filepath.Join(config.NetnsRunDir, s.net.Netns)
}

// setup creates the network sandbox (once) and the volumes (retried until
// they are all ready, e.g. a claim gets bound).
func (w *podWorker) setup(ctx context.Context, pod *corev1.Pod) {
	if w.sb == nil {
		sb, err := w.createNetwork(ctx, pod)
		if err != nil {
			w.setSetupErr(fmt.Sprintf("create pod sandbox: %v", err))
			return
		}
		w.sb = sb
	}
	sources := map[string]string{}
	for _, v := range pod.Spec.Volumes {
		src, err := w.prepareVolume(ctx, pod, v)
		if err != nil {
			w.setSetupErr(fmt.Sprintf("mount volume %q: %v", v.Name, err))
			return
		}
		sources[v.Name] = src
	}
	w.sb.sources = sources
	w.volumesReady = true
	w.lastVolSync = now()
	w.setSetupErr("")
}

func (w *podWorker) setSetupErr(msg string) {
	if msg != "" && msg != w.setupErr {
		w.a.cfg.Log.Warn("pod not ready to start", "pod", w.key(), "reason", msg)
	}
	w.setupErr = msg
}

func (w *podWorker) createNetwork(ctx context.Context, pod *corev1.Pod) (*sandbox, error) {
	host := w.a.cfg.HostIP()
	if pod.Spec.HostNetwork {
		return &sandbox{ip: host, hostNetwork: true}, nil
	}
	ip, err := w.a.cfg.IPAM.Allocate(string(pod.UID))
	if err != nil {
		return nil, err
	}
	sb := &sandbox{ip: ip, net: podnet.Sandbox{
		Netns:  w.a.cfg.Names.Netns(pod.Namespace, pod.Name, string(pod.UID)),
		Veth:   w.a.cfg.Names.Veth(string(pod.UID)),
		Addr:   netip.PrefixFrom(ip, w.a.cfg.IPAM.Prefix().Bits()),
		Bridge: w.a.cfg.Names.Bridge(),
		Gate:   host,
	}}
	if err := sb.net.Create(ctx, podnet.ResolvConf(pod.Namespace, host)); err != nil {
		w.a.cfg.IPAM.Release(string(pod.UID))
		return nil, err
	}
	return sb, nil
}

// prepareVolume materialises one volume and returns its host path.
func (w *podWorker) prepareVolume(ctx context.Context, pod *corev1.Pod, v corev1.Volume) (string, error) {
	src, err := volumes.Source(w.a.cfg.Layout, w.a.objects, pod, v)
	if err != nil {
		return "", err
	}
	if volumes.Projected(v) {
		p, err := volumes.BuildPayload(ctx, w.a.objects, pod, v, w.sb.ip.String(), w.a.cfg.HostIP().String())
		if err != nil {
			return "", err
		}
		_, err = volumes.WriteAtomic(src, p)
		return src, err
	}
	return src, volumes.Prepare(v, src)
}

// refreshVolumes rewrites ConfigMap, Secret, downward API and projected
// volumes whose content changed, every config.VolumeSyncInterval.
func (w *podWorker) refreshVolumes(ctx context.Context, pod *corev1.Pod) {
	if now().Sub(w.lastVolSync) < config.VolumeSyncInterval {
		return
	}
	w.lastVolSync = now()
	for _, v := range pod.Spec.Volumes {
		if !volumes.Projected(v) {
			continue
		}
		p, err := volumes.BuildPayload(ctx, w.a.objects, pod, v, w.sb.ip.String(), w.a.cfg.HostIP().String())
		if err != nil {
			w.a.cfg.Log.Warn("refresh volume", "pod", w.key(), "volume", v.Name, "err", err)
			continue
		}
		changed, err := volumes.WriteAtomic(w.sb.sources[v.Name], p)
		if err != nil {
			w.a.cfg.Log.Warn("refresh volume", "pod", w.key(), "volume", v.Name, "err", err)
		} else if changed {
			w.a.cfg.Log.Info("volume updated", "pod", w.key(), "volume", v.Name)
		}
	}
}

// teardown removes the network sandbox and the pod's directory (emptyDir and
// projected volumes, container mount points). PV data and logs stay.
func (w *podWorker) teardown(ctx context.Context, pod *corev1.Pod) {
	if w.sb != nil && !w.sb.hostNetwork {
		if err := w.sb.net.Delete(ctx); err != nil {
			w.a.cfg.Log.Warn("remove pod network", "pod", w.key(), "err", err)
		}
		w.a.cfg.IPAM.Release(string(pod.UID))
	}
	w.sb = nil
	w.volumesReady = false
	dir := w.a.cfg.Layout.PodDir(string(pod.UID))
	if strings.HasPrefix(dir, w.a.cfg.Layout.Root+"/") {
		if err := os.RemoveAll(dir); err != nil {
			w.a.cfg.Log.Warn("remove pod directory", "pod", w.key(), "dir", dir, "err", err)
		}
	}
	w.a.objects.forget(pod)
}

// hostsFile is the pod's /etc/hosts.
func hostsFile(pod *corev1.Pod, ip netip.Addr) string {
	var b strings.Builder
	b.WriteString("# Kubernetes-managed hosts file (mimirctl local cluster).\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n")
	host := podHostname(pod)
	if pod.Spec.Subdomain != "" {
		fmt.Fprintf(&b, "%s\t%s.%s.%s.svc.%s\t%s\n", ip, host, pod.Spec.Subdomain, pod.Namespace, config.ClusterDomain, host)
	} else {
		fmt.Fprintf(&b, "%s\t%s\n", ip, host)
	}
	for _, ha := range pod.Spec.HostAliases {
		fmt.Fprintf(&b, "%s\t%s\n", ha.IP, strings.Join(ha.Hostnames, "\t"))
	}
	return b.String()
}

// podHostname is the pod's hostname: spec.hostname or its name, at most 63
// characters.
func podHostname(pod *corev1.Pod) string {
	h := pod.Spec.Hostname
	if h == "" {
		h = pod.Name
	}
	if len(h) > 63 {
		h = strings.TrimRight(h[:63], "-.")
	}
	return h
}
