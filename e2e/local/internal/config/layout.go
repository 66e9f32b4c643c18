package config

import (
	"fmt"
	"path/filepath"
	"strconv"
)

// Layout names the files and directories inside a cluster's state directory.
// Everything the cluster writes lives below Root, so removing Root removes it.
type Layout struct {
	Root string
}

// Description is the JSON file describing a ready cluster (written by the
// supervisor once everything answers).
func (l Layout) Description() string { return filepath.Join(l.Root, "cluster.json") }

// SupervisorPID holds the supervisor's process id.
func (l Layout) SupervisorPID() string { return filepath.Join(l.Root, "supervisor.pid") }

// SupervisorLog is the supervisor's own log (and the node agent's).
func (l Layout) SupervisorLog() string { return filepath.Join(l.Root, "supervisor.log") }

// Failure holds the reason the supervisor gave up, for up to report.
func (l Layout) Failure() string { return filepath.Join(l.Root, "failure.txt") }

// Options is the JSON copy of the options the supervisor runs with.
func (l Layout) Options() string { return filepath.Join(l.Root, "options.json") }

// PIDDir holds one <component>.pid file per host process.
func (l Layout) PIDDir() string { return filepath.Join(l.Root, "run") }

// PKIDir holds certificates and keys.
func (l Layout) PKIDir() string { return filepath.Join(l.Root, "pki") }

// Kubeconfig is the admin kubeconfig for tests and users.
func (l Layout) Kubeconfig() string { return filepath.Join(l.Root, "kubeconfig") }

// EtcdDir is etcd's data directory.
func (l Layout) EtcdDir() string { return filepath.Join(l.Root, "etcd") }

// ComponentLog is the log file of a host component (etcd, kube-apiserver, ...).
func (l Layout) ComponentLog(name string) string {
	return filepath.Join(l.Root, "logs", name+".log")
}

// PodLogDir holds a pod's container logs, like kubelet's /var/log/pods.
func (l Layout) PodLogDir(namespace, pod, uid string) string {
	return filepath.Join(l.PodLogsRoot(), fmt.Sprintf("%s_%s_%s", namespace, pod, uid))
}

// PodLogsRoot holds every pod's log directory.
func (l Layout) PodLogsRoot() string { return filepath.Join(l.Root, "logs", "pods") }

// ContainerLog is the log of one run of a container: restart is the
// container's restart count when that run started.
func (l Layout) ContainerLog(namespace, pod, uid, container string, restart int) string {
	return filepath.Join(l.PodLogDir(namespace, pod, uid), container, strconv.Itoa(restart)+".log")
}

// PodDir holds a pod's runtime state: volumes and container roots.
func (l Layout) PodDir(uid string) string { return filepath.Join(l.Root, "pods", uid) }

// PodsRoot holds every pod's runtime directory.
func (l Layout) PodsRoot() string { return filepath.Join(l.Root, "pods") }

// VolumeDir is where a pod volume is materialised (not PVCs: see PVDir).
func (l Layout) VolumeDir(uid, volume string) string {
	return filepath.Join(l.PodDir(uid), "volumes", volume)
}

// ContainerDir holds one container's mount points and start spec.
func (l Layout) ContainerDir(uid, container string) string {
	return filepath.Join(l.PodDir(uid), "containers", container)
}

// PVDir is the data directory of a provisioned PersistentVolume. It outlives
// pods and claims; only down removes it.
func (l Layout) PVDir(pvName string) string { return filepath.Join(l.Root, "pv", pvName) }

// PrometheusDir holds Prometheus's config and TSDB.
func (l Layout) PrometheusDir() string { return filepath.Join(l.Root, "prometheus") }
