package plan

import (
	"context"
	"encoding/json"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// Names of the objects mimirctl keeps in the Mimir namespace.
const (
	DefaultStateConfigMap = "mimirctl-state"
	DefaultLockLease      = "mimirctl-lock"
	stateKey              = "state.json"
	managedByLabel        = "app.kubernetes.io/managed-by"
	managedByValue        = "mimirctl"
)

// ConfigMapStore keeps the state as JSON in a ConfigMap, using its
// resourceVersion for optimistic concurrency.
type ConfigMapStore struct {
	client    kubernetes.Interface
	namespace string
	name      string
}

var _ Store = (*ConfigMapStore)(nil)

// NewConfigMapStore returns a store for ConfigMap namespace/name.
func NewConfigMapStore(client kubernetes.Interface, namespace, name string) *ConfigMapStore {
	if name == "" {
		name = DefaultStateConfigMap
	}
	return &ConfigMapStore{client: client, namespace: namespace, name: name}
}

// Describe names the ConfigMap.
func (s *ConfigMapStore) Describe() string {
	return fmt.Sprintf("ConfigMap %s/%s", s.namespace, s.name)
}

// Load reads and decodes the state.
func (s *ConfigMapStore) Load(ctx context.Context) (*State, Revision, error) {
	cm, err := s.client.CoreV1().ConfigMaps(s.namespace).Get(ctx, s.name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, "", ErrNoState
	}
	if err != nil {
		return nil, "", fmt.Errorf("read state from %s: %w", s.Describe(), err)
	}
	raw, ok := cm.Data[stateKey]
	if !ok {
		return nil, "", fmt.Errorf("%s has no %s key: it was not written by mimirctl; delete it or choose another name with --state-name", s.Describe(), stateKey)
	}
	st, err := decodeState([]byte(raw), s.Describe())
	if err != nil {
		return nil, "", err
	}
	return st, Revision(cm.ResourceVersion), nil
}

// Save writes the state if the ConfigMap is still at rev.
func (s *ConfigMapStore) Save(ctx context.Context, st *State, rev Revision) (Revision, error) {
	b, err := json.MarshalIndent(st, "", " ")
	if err != nil {
		return "", fmt.Errorf("encode state: %w", err)
	}
	cm := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: s.name, Namespace: s.namespace, ResourceVersion: string(rev),
			Labels: map[string]string{managedByLabel: managedByValue}},
		Data: map[string]string{stateKey: string(b)},
	}
	var out *corev1.ConfigMap
	if rev == "" {
		out, err = s.client.CoreV1().ConfigMaps(s.namespace).Create(ctx, cm, metav1.CreateOptions{FieldManager: managedByValue})
		if apierrors.IsAlreadyExists(err) {
			return "", ErrStateConflict
		}
	} else {
		out, err = s.client.CoreV1().ConfigMaps(s.namespace).Update(ctx, cm, metav1.UpdateOptions{FieldManager: managedByValue})
		if apierrors.IsConflict(err) {
			return "", ErrStateConflict
		}
	}
	if err != nil {
		return "", fmt.Errorf("write state to %s: %w", s.Describe(), err)
	}
	return Revision(out.ResourceVersion), nil
}

func decodeState(b []byte, where string) (*State, error) {
	var st State
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("state in %s is corrupt (%v); inspect it, then remove it to start over", where, err)
	}
	if st.Version > StateVersion {
		return nil, fmt.Errorf("state in %s has version %d, newer than this mimirctl understands (%d): upgrade mimirctl", where, st.Version, StateVersion)
	}
	return &st, nil
}
