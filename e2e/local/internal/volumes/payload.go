package volumes

import (
	"context"
	"fmt"
	"os"
	"sort"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// Objects reads the API objects volumes are made of. The node agent
// implements it with informer caches and the TokenRequest API.
type Objects interface {
	ConfigMap(namespace, name string) (*corev1.ConfigMap, error)
	Secret(namespace, name string) (*corev1.Secret, error)
	// Token returns a service-account token for the pod.
	Token(ctx context.Context, pod *corev1.Pod, audience string, expirationSeconds int64) (string, error)
}

const defaultMode = 0o644

// Projected reports whether v's content comes from API objects and must be
// kept up to date.
func Projected(v corev1.Volume) bool {
	return v.ConfigMap != nil || v.Secret != nil || v.DownwardAPI != nil || v.Projected != nil
}

// BuildPayload computes the files of a ConfigMap, Secret, downward API or
// projected volume of pod. podIP and hostIP feed downward API fields.
func BuildPayload(ctx context.Context, objs Objects, pod *corev1.Pod, v corev1.Volume, podIP, hostIP string) (Payload, error) {
	ns := pod.Namespace
	p := Payload{}
	switch {
	case v.ConfigMap != nil:
		return p, addConfigMap(p, objs, ns, v.ConfigMap.Name, v.ConfigMap.Items, v.ConfigMap.Optional, mode(v.ConfigMap.DefaultMode))
	case v.Secret != nil:
		return p, addSecret(p, objs, ns, v.Secret.SecretName, v.Secret.Items, v.Secret.Optional, mode(v.Secret.DefaultMode))
	case v.DownwardAPI != nil:
		return p, addDownward(p, pod, v.DownwardAPI.Items, podIP, hostIP, mode(v.DownwardAPI.DefaultMode))
	case v.Projected != nil:
		return p, addProjected(ctx, p, objs, pod, v.Projected, podIP, hostIP)
	}
	return nil, fmt.Errorf("volume %s of pod %s/%s is not a projected kind", v.Name, ns, pod.Name)
}

func mode(m *int32) os.FileMode {
	if m == nil {
		return defaultMode
	}
	return os.FileMode(*m)
}

func itemMode(m *int32, def os.FileMode) os.FileMode {
	if m == nil {
		return def
	}
	return os.FileMode(*m)
}

func addProjected(ctx context.Context, p Payload, objs Objects, pod *corev1.Pod, src *corev1.ProjectedVolumeSource, podIP, hostIP string) error {
	def := mode(src.DefaultMode)
	for _, s := range src.Sources {
		var err error
		switch {
		case s.ConfigMap != nil:
			err = addConfigMap(p, objs, pod.Namespace, s.ConfigMap.Name, s.ConfigMap.Items, s.ConfigMap.Optional, def)
		case s.Secret != nil:
			err = addSecret(p, objs, pod.Namespace, s.Secret.Name, s.Secret.Items, s.Secret.Optional, def)
		case s.DownwardAPI != nil:
			err = addDownward(p, pod, s.DownwardAPI.Items, podIP, hostIP, def)
		case s.ServiceAccountToken != nil:
			err = addToken(ctx, p, objs, pod, s.ServiceAccountToken, def)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func addConfigMap(p Payload, objs Objects, ns, name string, items []corev1.KeyToPath, optional *bool, def os.FileMode) error {
	cm, err := objs.ConfigMap(ns, name)
	if err != nil {
		if apierrors.IsNotFound(err) && optional != nil && *optional {
			return nil
		}
		return fmt.Errorf("ConfigMap %s/%s for a volume: %w", ns, name, err)
	}
	data := map[string][]byte{}
	for k, v := range cm.Data {
		data[k] = []byte(v)
	}
	for k, v := range cm.BinaryData {
		data[k] = v
	}
	return addKeys(p, "ConfigMap "+ns+"/"+name, data, items, optional, def)
}

func addSecret(p Payload, objs Objects, ns, name string, items []corev1.KeyToPath, optional *bool, def os.FileMode) error {
	s, err := objs.Secret(ns, name)
	if err != nil {
		if apierrors.IsNotFound(err) && optional != nil && *optional {
			return nil
		}
		return fmt.Errorf("Secret %s/%s for a volume: %w", ns, name, err)
	}
	data := map[string][]byte{}
	for k, v := range s.Data {
		data[k] = v
	}
	for k, v := range s.StringData {
		data[k] = []byte(v)
	}
	return addKeys(p, "Secret "+ns+"/"+name, data, items, optional, def)
}

// addKeys adds all keys of data, or only items (key -> path) when given.
func addKeys(p Payload, what string, data map[string][]byte, items []corev1.KeyToPath, optional *bool, def os.FileMode) error {
	if len(items) == 0 {
		keys := make([]string, 0, len(data))
		for k := range data {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p[k] = File{Data: data[k], Mode: def}
		}
		return nil
	}
	for _, it := range items {
		v, ok := data[it.Key]
		if !ok {
			if optional != nil && *optional {
				continue
			}
			return fmt.Errorf("%s has no key %q (named in the volume's items)", what, it.Key)
		}
		p[it.Path] = File{Data: v, Mode: itemMode(it.Mode, def)}
	}
	return nil
}

func addDownward(p Payload, pod *corev1.Pod, items []corev1.DownwardAPIVolumeFile, podIP, hostIP string, def os.FileMode) error {
	for _, it := range items {
		var v string
		var err error
		switch {
		case it.FieldRef != nil:
			v, err = FieldValue(pod, it.FieldRef.FieldPath, podIP, hostIP)
		case it.ResourceFieldRef != nil:
			v, err = ResourceValue(pod, it.ResourceFieldRef)
		}
		if err != nil {
			return fmt.Errorf("downward API file %s: %w", it.Path, err)
		}
		p[it.Path] = File{Data: []byte(v), Mode: itemMode(it.Mode, def)}
	}
	return nil
}

func addToken(ctx context.Context, p Payload, objs Objects, pod *corev1.Pod, t *corev1.ServiceAccountTokenProjection, def os.FileMode) error {
	exp := int64(3600)
	if t.ExpirationSeconds != nil {
		exp = *t.ExpirationSeconds
	}
	tok, err := objs.Token(ctx, pod, t.Audience, exp)
	if err != nil {
		return fmt.Errorf("service-account token for pod %s/%s: %w", pod.Namespace, pod.Name, err)
	}
	p[t.Path] = File{Data: []byte(tok), Mode: def}
	return nil
}
