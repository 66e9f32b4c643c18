// Package controlplane describes the local cluster's Kubernetes control plane
// processes: etcd 3.6, kube-apiserver, kube-controller-manager and
// kube-scheduler v1.34, built by e2e/local/tools/build.sh into the bin
// directory, and waits until they answer.
//
// Every component listens on the cluster's bridge address (pods and the host
// reach the API server alike, and clusters on different subnets never
// compete for ports). The node lifecycle controller is off (the node agent
// renews leases anyway), and the API server resolves webhook and aggregated
// API services to endpoints (there is no kube-proxy).
//
// Security model. The API server authenticates client certificates of the
// cluster's CA (package pki) and service-account tokens, and authorizes with
// RBAC (--authorization-mode=RBAC); it creates Kubernetes' bootstrap
// ClusterRoles and bindings (system:*) itself when it starts. Everything the
// cluster runs on the host talks to it as kubernetes-admin in system:masters,
// a group the API server allows everything without asking RBAC: the
// controller manager (--use-service-account-credentials=false, so its
// controllers too) and the scheduler through the admin kubeconfig, the
// supervisor's node agent, DNS, PVC provisioner and Prometheus discovery, and
// the tests, the demo and users of that kubeconfig. So none of them needs a binding, and
// RBAC decides only for other identities: pods' service accounts (the node
// agent requests their tokens) and users the tests impersonate, such as
// pkg/cli's RBAC integration test. There is no Node authorizer and no
// NodeRestriction: the node agent serves every node under the admin
// identity, not as system:node:NAME, so they would have no one to restrict.
// Towards aggregated API servers the API server presents the admin
// certificate (--proxy-client-cert-file), towards the node agent's kubelet
// API a system:masters one, which that API checks against the CA and
// nothing more. Pods run as root on the host, so the cluster is a test
// bed, not a security boundary: RBAC is on so that what Roles allow is
// decided as on a real cluster.
package controlplane

import (
	"net/netip"
	"path/filepath"
	"strconv"

	"github.com/mimirctl/mimirctl/e2e/local/internal/config"
	"github.com/mimirctl/mimirctl/e2e/local/internal/pki"
	"github.com/mimirctl/mimirctl/e2e/local/internal/procs"
)

// Config is what the process specs are made from.
type Config struct {
	Layout        config.Layout
	BinDir        string
	PKI           *pki.Bundle
	AdvertiseIP   netip.Addr
	APIServerPort int
}

// url is scheme://<bridge address>:port.
func (c Config) url(scheme string, port int) string {
	return scheme + "://" + netip.AddrPortFrom(c.AdvertiseIP, uint16(port)).String()
}

// EtcdURL is etcd's client address.
func (c Config) EtcdURL() string { return c.url("http", config.EtcdClientPort) }

// APIServerURL is the API server's address.
func (c Config) APIServerURL() string { return c.url("https", c.APIServerPort) }

func (c Config) spec(name string, args ...string) procs.Spec {
	return procs.Spec{
		Name:    name,
		Path:    filepath.Join(c.BinDir, name),
		Args:    args,
		LogFile: c.Layout.ComponentLog(name),
		PIDFile: filepath.Join(c.Layout.PIDDir(), name+".pid"),
	}
}

// Etcd is a single-member etcd without fsync (test data only).
func (c Config) Etcd() procs.Spec {
	peer := c.url("http", config.EtcdPeerPort)
	return c.spec("etcd",
		"--name=mctl",
		"--data-dir="+c.Layout.EtcdDir(),
		"--listen-client-urls="+c.EtcdURL(),
		"--advertise-client-urls="+c.EtcdURL(),
		"--listen-peer-urls="+peer,
		"--initial-advertise-peer-urls="+peer,
		"--initial-cluster=mctl="+peer,
		"--unsafe-no-fsync=true",
		"--log-level=warn",
	)
}

// APIServer is kube-apiserver on the bridge address.
func (c Config) APIServer() procs.Spec {
	issuer := "https://kubernetes.default.svc." + config.ClusterDomain
	return c.spec("kube-apiserver",
		"--etcd-servers="+c.EtcdURL(),
		"--bind-address="+c.AdvertiseIP.String(),
		"--advertise-address="+c.AdvertiseIP.String(),
		"--secure-port="+strconv.Itoa(c.APIServerPort),
		"--tls-cert-file="+c.PKI.APIServerCert,
		"--tls-private-key-file="+c.PKI.APIServerKey,
		"--client-ca-file="+c.PKI.CACert,
		"--service-account-issuer="+issuer,
		"--api-audiences="+issuer,
		"--service-account-key-file="+c.PKI.ServiceAccountPub,
		"--service-account-signing-key-file="+c.PKI.ServiceAccountKey,
		"--service-cluster-ip-range="+config.ServiceCIDR,
		"--authorization-mode=RBAC",
		"--allow-privileged=true",
		"--enable-aggregator-routing=true",
		"--kubelet-client-certificate="+c.PKI.KubeletClientCert,
		"--kubelet-client-key="+c.PKI.KubeletClientKey,
		"--kubelet-certificate-authority="+c.PKI.CACert,
		"--kubelet-preferred-address-types=InternalIP",
		"--requestheader-client-ca-file="+c.PKI.CACert,
		"--requestheader-username-headers=X-Remote-User",
		"--requestheader-group-headers=X-Remote-Group",
		"--requestheader-extra-headers-prefix=X-Remote-Extra-",
		"--proxy-client-cert-file="+c.PKI.AdminCert,
		"--proxy-client-key-file="+c.PKI.AdminKey,
		"--enable-priority-and-fairness=false",
		"--profiling=false",
		"--event-ttl=1h",
		"--v=1",
	)
}

// ControllerManager runs every default controller but node lifecycle.
func (c Config) ControllerManager() procs.Spec {
	kc := c.Layout.Kubeconfig()
	return c.spec("kube-controller-manager",
		"--kubeconfig="+kc,
		"--authentication-kubeconfig="+kc,
		"--authorization-kubeconfig="+kc,
		"--bind-address="+c.AdvertiseIP.String(),
		"--secure-port="+strconv.Itoa(config.ControllerManagerPort),
		"--leader-elect=false",
		"--service-account-private-key-file="+c.PKI.ServiceAccountKey,
		"--root-ca-file="+c.PKI.CACert,
		"--cluster-signing-cert-file="+c.PKI.CACert,
		"--cluster-signing-key-file="+c.PKI.CAKey,
		"--use-service-account-credentials=false",
		"--controllers=*,-node-lifecycle-controller",
		"--profiling=false",
		"--v=1",
	)
}

// Scheduler is kube-scheduler with the default profile. Pods found
// unschedulable are retried after 15s instead of 5 minutes: the PVC
// provisioner binds a claim within a second, but nothing else re-queues a
// pod that was tried just before.
func (c Config) Scheduler() procs.Spec {
	kc := c.Layout.Kubeconfig()
	return c.spec("kube-scheduler",
		"--kubeconfig="+kc,
		"--authentication-kubeconfig="+kc,
		"--authorization-kubeconfig="+kc,
		"--bind-address="+c.AdvertiseIP.String(),
		"--secure-port="+strconv.Itoa(config.SchedulerPort),
		"--leader-elect=false",
		"--pod-max-in-unschedulable-pods-duration=15s",
		"--profiling=false",
		"--v=1",
	)
}

// HealthURLs are the endpoints that answer 200 once each component works.
func (c Config) HealthURLs() map[string]string {
	return map[string]string{
		"etcd":                    c.EtcdURL() + "/health",
		"kube-apiserver":          c.APIServerURL() + "/readyz",
		"kube-controller-manager": c.url("https", config.ControllerManagerPort) + "/healthz",
		"kube-scheduler":          c.url("https", config.SchedulerPort) + "/healthz",
	}
}
