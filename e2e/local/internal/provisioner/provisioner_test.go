package provisioner

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/mimirctl/mimirctl/e2e/local/internal/config"
)

func TestVolumeFor(t *testing.T) {
	pvc := &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Namespace: "mimir", Name: "data-ingester-0", UID: "u-1"},
		Spec: corev1.PersistentVolumeClaimSpec{
			StorageClassName: ptr.To("fast"),
			Resources:        corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("5Gi")}},
		},
	}
	pv := VolumeFor(pvc, config.Layout{Root: "/state"})
	switch {
	case pv.Name != "pvc-u-1":
		t.Errorf("name %s", pv.Name)
	case pv.Spec.ClaimRef == nil || pv.Spec.ClaimRef.UID != "u-1" || pv.Spec.ClaimRef.Name != "data-ingester-0":
		t.Errorf("the volume is not pre-bound to its claim: %+v", pv.Spec.ClaimRef)
	case pv.Spec.StorageClassName != "fast":
		t.Errorf("class %q: the claim's class must match for binding", pv.Spec.StorageClassName)
	case pv.Spec.HostPath.Path != "/state/pv/pvc-u-1":
		t.Errorf("path %s", pv.Spec.HostPath.Path)
	case pv.Spec.PersistentVolumeReclaimPolicy != corev1.PersistentVolumeReclaimRetain:
		t.Errorf("policy %s: data must never be deleted", pv.Spec.PersistentVolumeReclaimPolicy)
	case pv.Spec.Capacity.Storage().String() != "5Gi" || pv.Spec.AccessModes[0] != corev1.ReadWriteOnce:
		t.Errorf("capacity %s, modes %v", pv.Spec.Capacity.Storage(), pv.Spec.AccessModes)
	}
}
