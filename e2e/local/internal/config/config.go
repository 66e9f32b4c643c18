// Package config is the one documented place for the local cluster's
// constants: name prefixes of everything it creates on the host, default
// addresses and ports, label keys, and the layout of its state directory.
//
// Everything a local cluster creates on the host carries its own name prefix
// (see Names: network namespaces, links, /etc/netns entries) or MarkerEnv in
// its environment (every process), so that cleanup finds its leftovers after
// a crash and never touches anything else, not even another local cluster's.
package config

import "time"

// Host object naming. Cleanup removes exactly what matches a cluster's Names.
const (
	// Prefix starts the name of every host object any local cluster creates.
	Prefix = "mctl"
	// MarkerEnv is set in the environment of every process the cluster starts
	// (control plane, Prometheus, every container); its value is the state
	// directory. Cleanup finds processes by scanning /proc/*/environ for it.
	MarkerEnv = "MCTL_LOCALCLUSTER"
	// NetnsRunDir is where ip(8) keeps named network namespaces.
	NetnsRunDir = "/run/netns"
	// NetnsEtcDir holds per-namespace resolv.conf files honoured by ip netns exec.
	NetnsEtcDir = "/etc/netns"
)

// Defaults for Options fields left empty.
const (
	// DefaultStateDir holds everything of a cluster: PKI, etcd data, logs,
	// pod volumes, PV data, Prometheus data. Removed by down.
	DefaultStateDir = "/tmp/" + Prefix + "-localcluster"
	// DefaultPodCIDR is the bridge subnet; the bridge takes its first address,
	// pods the following ones.
	DefaultPodCIDR = "10.244.0.0/16"
	// DefaultNodesPerZone is enough for Mimir's multi-zone anti-affinity
	// (one pod of a rollout group per node) with three replicas per zone.
	DefaultNodesPerZone = 3
	// DefaultPrometheusPort is where Prometheus listens on 127.0.0.1.
	DefaultPrometheusPort = 9090
	// DefaultAPIServerPort is the API server's secure port on the bridge address.
	DefaultAPIServerPort = 6443
	// DefaultReadyTimeout bounds how long up waits for a usable cluster.
	DefaultReadyTimeout = 3 * time.Minute
)

// DefaultZones are the availability zones nodes are spread over.
var DefaultZones = []string{"zone-a", "zone-b", "zone-c"}

// Fixed ports of host-side components. They listen on the cluster's bridge
// address (pods reach the API server, the kubelet API and DNS there), so
// clusters with different pod CIDRs never compete for a port. Only
// Prometheus listens on loopback, on a configurable port.
const (
	EtcdClientPort        = 2379
	EtcdPeerPort          = 2380
	ControllerManagerPort = 10257
	SchedulerPort         = 10259
	KubeletPort           = 10250
	DNSPort               = 53
)

// Kubernetes networking and naming.
const (
	ServiceCIDR     = "10.96.0.0/16"
	KubernetesSvcIP = "10.96.0.1"
	ClusterDomain   = "cluster.local"
	// DNSTTL is the TTL of every cluster DNS answer, CoreDNS's default.
	DNSTTL = 5
	// ClusterName names the cluster and its context in the kubeconfig.
	ClusterName = "mctl-local"
)

// Label keys the node agent sets on nodes.
const (
	LabelZone     = "topology.kubernetes.io/zone"
	LabelHostname = "kubernetes.io/hostname"
	LabelOS       = "kubernetes.io/os"
	LabelArch     = "kubernetes.io/arch"
)

// Prometheus scraping, the way Mimir's jsonnet and mixin expect it.
const (
	// MetricsPortName is the container port name Prometheus scrapes.
	MetricsPortName = "http-metrics"
	// ScrapeInterval is short so tests see fresh samples quickly.
	ScrapeInterval = 5 * time.Second
	// JobNameLabel is the pod label that names a job ("namespace/name");
	// pods without it are named by their container.
	JobNameLabel = "name"
)

// Node agent timing.
const (
	// LeaseDuration and LeaseRenewInterval drive node heartbeats.
	LeaseDuration      = 40 * time.Second
	LeaseRenewInterval = 10 * time.Second
	// VolumeSyncInterval bounds how stale a ConfigMap or Secret volume may be.
	VolumeSyncInterval = 2 * time.Second
	// RestartBackoffInitial and RestartBackoffMax bound crash-loop back-off
	// (shorter than the kubelet's 10 s / 5 min, so tests recover quickly).
	RestartBackoffInitial = 2 * time.Second
	RestartBackoffMax     = 40 * time.Second
	// RestartBackoffReset is how long a container must run for its back-off
	// to start again from RestartBackoffInitial.
	RestartBackoffReset = 2 * time.Minute
	// PodTmpfsSize caps each container's writable layer (a tmpfs).
	PodTmpfsSize = "2g"
)
