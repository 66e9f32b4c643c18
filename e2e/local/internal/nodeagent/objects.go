package nodeagent

import (
	"context"
	"fmt"
	"sync"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
)

// objects reads ConfigMaps, Secrets, claims and volumes from informer caches
// and issues service-account tokens; it implements volumes.Objects and
// volumes.Claims.
type objects struct {
	client     kubernetes.Interface
	configMaps corelisters.ConfigMapLister
	secrets    corelisters.SecretLister
	pvcs       corelisters.PersistentVolumeClaimLister
	pvs        corelisters.PersistentVolumeLister

	mu     sync.Mutex
	tokens map[string]cachedToken
}

type cachedToken struct {
	token   string
	refresh time.Time
}

func newObjects(client kubernetes.Interface, f informers.SharedInformerFactory) *objects {
	return &objects{
		client:     client,
		configMaps: f.Core().V1().ConfigMaps().Lister(),
		secrets:    f.Core().V1().Secrets().Lister(),
		pvcs:       f.Core().V1().PersistentVolumeClaims().Lister(),
		pvs:        f.Core().V1().PersistentVolumes().Lister(),
		tokens:     map[string]cachedToken{},
	}
}

func (o *objects) ConfigMap(namespace, name string) (*corev1.ConfigMap, error) {
	return o.configMaps.ConfigMaps(namespace).Get(name)
}

func (o *objects) Secret(namespace, name string) (*corev1.Secret, error) {
	return o.secrets.Secrets(namespace).Get(name)
}

func (o *objects) PVC(namespace, name string) (*corev1.PersistentVolumeClaim, error) {
	return o.pvcs.PersistentVolumeClaims(namespace).Get(name)
}

func (o *objects) PV(name string) (*corev1.PersistentVolume, error) {
	return o.pvs.Get(name)
}

// Token returns a bound service-account token for pod, cached until 80% of
// its lifetime has passed (the kubelet's refresh rule).
func (o *objects) Token(ctx context.Context, pod *corev1.Pod, audience string, expirationSeconds int64) (string, error) {
	key := fmt.Sprintf("%s/%s/%d", pod.UID, audience, expirationSeconds)
	o.mu.Lock()
	c, ok := o.tokens[key]
	o.mu.Unlock()
	if ok && now().Before(c.refresh) {
		return c.token, nil
	}
	sa := pod.Spec.ServiceAccountName
	if sa == "" {
		sa = "default"
	}
	req := &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{
		ExpirationSeconds: &expirationSeconds,
		BoundObjectRef:    &authenticationv1.BoundObjectReference{Kind: "Pod", APIVersion: "v1", Name: pod.Name, UID: pod.UID},
	}}
	if audience != "" {
		req.Spec.Audiences = []string{audience}
	}
	resp, err := o.client.CoreV1().ServiceAccounts(pod.Namespace).CreateToken(ctx, sa, req, metav1.CreateOptions{})
	if err != nil {
		return "", fmt.Errorf("request token of service account %s/%s: %w", pod.Namespace, sa, err)
	}
	life := time.Duration(expirationSeconds) * time.Second
	o.mu.Lock()
	o.tokens[key] = cachedToken{token: resp.Status.Token, refresh: now().Add(life * 8 / 10)}
	o.mu.Unlock()
	return resp.Status.Token, nil
}

// forget drops the cached tokens of a finished pod.
func (o *objects) forget(pod *corev1.Pod) {
	o.mu.Lock()
	defer o.mu.Unlock()
	prefix := string(pod.UID) + "/"
	for k := range o.tokens {
		if len(k) > len(prefix) && k[:len(prefix)] == prefix {
			delete(o.tokens, k)
		}
	}
}
