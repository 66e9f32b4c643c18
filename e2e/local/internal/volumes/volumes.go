// Package volumes materialises pod volumes on the host and computes where
// each container mount comes from.
//
//   - emptyDir, ConfigMap, Secret, downwardAPI and projected volumes live in
//     the pod's directory (config.Layout.VolumeDir) and go with the pod;
//     projected kinds are written the kubelet's way (see WriteAtomic) and kept
//     up to date.
//   - hostPath volumes are rooted in the state directory
//     (<state>/hostpath/<path>): pods sharing a hostPath share data, and the
//     host's own files are never touched.
//   - PVC volumes use their PersistentVolume's hostPath or local path, which
//     the provisioner puts under <state>/pv: the same claim always gets the
//     same directory, across pod restarts and re-creation.
package volumes

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/mimirctl/mimirctl/e2e/local/internal/config"
	"github.com/mimirctl/mimirctl/e2e/local/internal/containerinit"
	"github.com/mimirctl/mimirctl/e2e/local/internal/images"
)

// Claims resolves PersistentVolumeClaims to their volumes.
type Claims interface {
	PVC(namespace, name string) (*corev1.PersistentVolumeClaim, error)
	PV(name string) (*corev1.PersistentVolume, error)
}

// HostPath maps a hostPath volume's path into the state directory. Paths
// already inside it (the provisioner's PVs) are kept.
func HostPath(l config.Layout, p string) string {
	clean := filepath.Clean("/" + p)
	if clean == l.Root || strings.HasPrefix(clean, l.Root+"/") {
		return clean
	}
	return filepath.Join(l.Root, "hostpath", clean)
}

// Source returns the host path backing volume v of pod. It does not create
// anything.
func Source(l config.Layout, claims Claims, pod *corev1.Pod, v corev1.Volume) (string, error) {
	switch {
	case v.EmptyDir != nil || Projected(v):
		return l.VolumeDir(string(pod.UID), v.Name), nil
	case v.HostPath != nil:
		return HostPath(l, v.HostPath.Path), nil
	case v.PersistentVolumeClaim != nil:
		return claimSource(l, claims, pod.Namespace, v.PersistentVolumeClaim.ClaimName)
	case v.Ephemeral != nil:
		return claimSource(l, claims, pod.Namespace, pod.Name+"-"+v.Name)
	}
	return "", fmt.Errorf("volume %s of pod %s/%s: unsupported volume type (local cluster supports emptyDir, configMap, secret, downwardAPI, projected, hostPath, persistentVolumeClaim)",
		v.Name, pod.Namespace, pod.Name)
}

// ErrClaimNotBound is returned while a claim waits for its volume.
var ErrClaimNotBound = fmt.Errorf("claim not bound yet")

func claimSource(l config.Layout, claims Claims, ns, name string) (string, error) {
	pvc, err := claims.PVC(ns, name)
	if err != nil {
		return "", fmt.Errorf("PersistentVolumeClaim %s/%s: %w", ns, name, err)
	}
	if pvc.Spec.VolumeName == "" {
		return "", fmt.Errorf("PersistentVolumeClaim %s/%s: %w", ns, name, ErrClaimNotBound)
	}
	pv, err := claims.PV(pvc.Spec.VolumeName)
	if err != nil {
		return "", fmt.Errorf("PersistentVolume %s of claim %s/%s: %w", pvc.Spec.VolumeName, ns, name, err)
	}
	switch {
	case pv.Spec.HostPath != nil:
		return HostPath(l, pv.Spec.HostPath.Path), nil
	case pv.Spec.Local != nil:
		return HostPath(l, pv.Spec.Local.Path), nil
	}
	return "", fmt.Errorf("PersistentVolume %s of claim %s/%s has neither hostPath nor local source", pv.Name, ns, name)
}

// Prepare creates the directory of a non-projected volume source (emptyDir,
// hostPath, PVC) so it can be bound. A hostPath of type File* gets a file.
func Prepare(v corev1.Volume, source string) error {
	if v.HostPath != nil && v.HostPath.Type != nil {
		switch *v.HostPath.Type {
		case corev1.HostPathFile, corev1.HostPathFileOrCreate:
			if err := os.MkdirAll(filepath.Dir(source), 0o755); err != nil {
				return fmt.Errorf("create directory for hostPath file %s: %w", source, err)
			}
			f, err := os.OpenFile(source, os.O_CREATE|os.O_RDONLY, 0o644)
			if err != nil {
				return fmt.Errorf("create hostPath file %s: %w", source, err)
			}
			return f.Close()
		}
	}
	if err := os.MkdirAll(source, 0o777); err != nil {
		return fmt.Errorf("create volume directory %s: %w", source, err)
	}
	return nil
}

// Binds computes the bind mounts of container c from the volume sources
// (volume name -> host path) and the container's environment (for
// subPathExpr). Missing subPath directories are created, as the kubelet does.
func Binds(pod *corev1.Pod, c *corev1.Container, sources map[string]string, env map[string]string) ([]containerinit.Bind, error) {
	kinds := map[string]corev1.Volume{}
	for _, v := range pod.Spec.Volumes {
		kinds[v.Name] = v
	}
	var binds []containerinit.Bind
	for _, m := range c.VolumeMounts {
		src, ok := sources[m.Name]
		if !ok {
			return nil, fmt.Errorf("container %s mounts unknown volume %q", c.Name, m.Name)
		}
		sub := m.SubPath
		if m.SubPathExpr != "" {
			sub = images.Expand(m.SubPathExpr, env)
		}
		if sub != "" {
			if filepath.IsAbs(sub) || strings.HasPrefix(filepath.Clean(sub), "..") {
				return nil, fmt.Errorf("container %s: subPath %q must be relative and stay inside volume %s", c.Name, sub, m.Name)
			}
			src = filepath.Join(src, sub)
			if _, err := os.Lstat(src); os.IsNotExist(err) {
				if err := os.MkdirAll(src, 0o777); err != nil {
					return nil, fmt.Errorf("create subPath %s: %w", src, err)
				}
			}
		}
		ro := m.ReadOnly || Projected(kinds[m.Name])
		binds = append(binds, containerinit.Bind{Source: src, Target: m.MountPath, ReadOnly: ro})
	}
	return binds, nil
}
