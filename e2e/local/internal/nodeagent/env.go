package nodeagent

import (
	"fmt"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/mimirctl/mimirctl/e2e/local/internal/images"
	"github.com/mimirctl/mimirctl/e2e/local/internal/volumes"
)

// envList keeps variables in definition order; a later definition replaces
// an earlier one in place.
type envList struct {
	order []string
	vals  map[string]string
}

func (e *envList) set(k, v string) {
	if _, ok := e.vals[k]; !ok {
		e.order = append(e.order, k)
	}
	e.vals[k] = v
}

func (e *envList) list() []string {
	out := make([]string, 0, len(e.order))
	for _, k := range e.order {
		out = append(out, k+"="+e.vals[k])
	}
	return out
}

// containerEnv computes a container's environment like the kubelet: a few
// defaults, then envFrom, then env (with $(VAR) expansion and valueFrom).
// KUBERNETES_SERVICE_HOST points at the API server's real address, since
// there is no kube-proxy behind the Service IP.
func (a *Agent) containerEnv(pod *corev1.Pod, c *corev1.Container, podIP string) ([]string, map[string]string, error) {
	e := &envList{vals: map[string]string{}}
	apiHost, apiPort := a.cfg.HostIP().String(), strconv.Itoa(a.cfg.APIServerPort)
	e.set("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
	e.set("HOSTNAME", podHostname(pod))
	e.set("KUBERNETES_SERVICE_HOST", apiHost)
	e.set("KUBERNETES_SERVICE_PORT", apiPort)
	e.set("KUBERNETES_SERVICE_PORT_HTTPS", apiPort)
	e.set("KUBERNETES_PORT", "tcp://"+apiHost+":"+apiPort)
	for _, from := range c.EnvFrom {
		if err := a.addEnvFrom(e, pod.Namespace, from); err != nil {
			return nil, nil, fmt.Errorf("container %s: %w", c.Name, err)
		}
	}
	for _, v := range c.Env {
		val, ok, err := a.envValue(pod, c, v, e.vals, podIP)
		if err != nil {
			return nil, nil, fmt.Errorf("container %s, variable %s: %w", c.Name, v.Name, err)
		}
		if ok {
			e.set(v.Name, val)
		}
	}
	k, val, _ := strings.Cut(a.cfg.Marker, "=")
	e.set(k, val)
	return e.list(), e.vals, nil
}

func (a *Agent) addEnvFrom(e *envList, ns string, from corev1.EnvFromSource) error {
	var data map[string]string
	switch {
	case from.ConfigMapRef != nil:
		cm, err := a.objects.ConfigMap(ns, from.ConfigMapRef.Name)
		if err != nil {
			if apierrors.IsNotFound(err) && from.ConfigMapRef.Optional != nil && *from.ConfigMapRef.Optional {
				return nil
			}
			return fmt.Errorf("envFrom ConfigMap %s/%s: %w", ns, from.ConfigMapRef.Name, err)
		}
		data = cm.Data
	case from.SecretRef != nil:
		s, err := a.objects.Secret(ns, from.SecretRef.Name)
		if err != nil {
			if apierrors.IsNotFound(err) && from.SecretRef.Optional != nil && *from.SecretRef.Optional {
				return nil
			}
			return fmt.Errorf("envFrom Secret %s/%s: %w", ns, from.SecretRef.Name, err)
		}
		data = map[string]string{}
		for k, v := range s.Data {
			data[k] = string(v)
		}
	}
	for k, v := range data {
		e.set(from.Prefix+k, v)
	}
	return nil
}

// envValue resolves one env entry; ok is false for an optional reference
// that is missing.
func (a *Agent) envValue(pod *corev1.Pod, c *corev1.Container, v corev1.EnvVar, defined map[string]string, podIP string) (string, bool, error) {
	if v.ValueFrom == nil {
		return images.Expand(v.Value, defined), true, nil
	}
	f := v.ValueFrom
	switch {
	case f.FieldRef != nil:
		s, err := volumes.FieldValue(pod, f.FieldRef.FieldPath, podIP, a.cfg.HostIP().String())
		return s, err == nil, err
	case f.ResourceFieldRef != nil:
		ref := f.ResourceFieldRef.DeepCopy()
		if ref.ContainerName == "" {
			ref.ContainerName = c.Name
		}
		s, err := volumes.ResourceValue(pod, ref)
		return s, err == nil, err
	case f.ConfigMapKeyRef != nil:
		r := f.ConfigMapKeyRef
		cm, err := a.objects.ConfigMap(pod.Namespace, r.Name)
		if err == nil {
			if s, ok := cm.Data[r.Key]; ok {
				return s, true, nil
			}
			err = fmt.Errorf("ConfigMap %s/%s has no key %q", pod.Namespace, r.Name, r.Key)
		}
		return "", false, optionalOK(err, r.Optional)
	case f.SecretKeyRef != nil:
		r := f.SecretKeyRef
		s, err := a.objects.Secret(pod.Namespace, r.Name)
		if err == nil {
			if b, ok := s.Data[r.Key]; ok {
				return string(b), true, nil
			}
			err = fmt.Errorf("Secret %s/%s has no key %q", pod.Namespace, r.Name, r.Key)
		}
		return "", false, optionalOK(err, r.Optional)
	}
	return "", false, fmt.Errorf("unsupported valueFrom")
}

func optionalOK(err error, optional *bool) error {
	if optional != nil && *optional {
		return nil
	}
	return err
}
