// Package provisioner gives every pending PersistentVolumeClaim a
// PersistentVolume: a directory under the state directory, pre-bound to the
// claim so that the controller manager's PV controller binds them. Volumes
// are created with the Retain policy and never deleted: data outlives pods
// and claims until the cluster itself is removed.
package provisioner

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"

	"github.com/mimirctl/mimirctl/e2e/local/internal/config"
)

// ProvisionedByAnnotation marks volumes this provisioner made.
const ProvisionedByAnnotation = "pv.kubernetes.io/provisioned-by"

// Name is the provisioner's name in that annotation.
const Name = "mctl.local/hostpath"

// Provisioner watches claims and creates their volumes.
type Provisioner struct {
	client kubernetes.Interface
	layout config.Layout
	log    *slog.Logger
}

// New returns a provisioner writing volume data under layout.
func New(client kubernetes.Interface, layout config.Layout, log *slog.Logger) *Provisioner {
	return &Provisioner{client: client, layout: layout, log: log}
}

// Start registers the claim handler on the factory's PVC informer; the
// caller starts the factory.
func (p *Provisioner) Start(ctx context.Context, factory informers.SharedInformerFactory) error {
	inf := factory.Core().V1().PersistentVolumeClaims().Informer()
	handle := func(obj any) {
		if pvc, ok := obj.(*corev1.PersistentVolumeClaim); ok {
			if err := p.Provision(ctx, pvc); err != nil {
				p.log.Error("provision volume", "claim", pvc.Namespace+"/"+pvc.Name, "err", err)
			}
		}
	}
	_, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    handle,
		UpdateFunc: func(_, obj any) { handle(obj) },
	})
	return err
}

// Provision creates the volume of a pending, unbound claim; other claims are
// left alone.
func (p *Provisioner) Provision(ctx context.Context, pvc *corev1.PersistentVolumeClaim) error {
	if pvc.Spec.VolumeName != "" || (pvc.Status.Phase != "" && pvc.Status.Phase != corev1.ClaimPending) || pvc.DeletionTimestamp != nil {
		return nil
	}
	pv := VolumeFor(pvc, p.layout)
	if err := os.MkdirAll(pv.Spec.HostPath.Path, 0o777); err != nil {
		return fmt.Errorf("create data directory of volume %s: %w", pv.Name, err)
	}
	_, err := p.client.CoreV1().PersistentVolumes().Create(ctx, pv, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("create PersistentVolume %s: %w", pv.Name, err)
	}
	p.log.Info("provisioned volume", "claim", pvc.Namespace+"/"+pvc.Name, "volume", pv.Name, "path", pv.Spec.HostPath.Path)
	return nil
}

// VolumeFor is the PersistentVolume for claim pvc: named after the claim's
// UID, pre-bound to it, with the claim's class, modes and requested size.
func VolumeFor(pvc *corev1.PersistentVolumeClaim, layout config.Layout) *corev1.PersistentVolume {
	name := "pvc-" + string(pvc.UID)
	size, ok := pvc.Spec.Resources.Requests[corev1.ResourceStorage]
	if !ok {
		size = resource.MustParse("1Gi")
	}
	modes := pvc.Spec.AccessModes
	if len(modes) == 0 {
		modes = []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce}
	}
	class := ""
	if pvc.Spec.StorageClassName != nil {
		class = *pvc.Spec.StorageClassName
	}
	dirType := corev1.HostPathDirectoryOrCreate
	return &corev1.PersistentVolume{
		ObjectMeta: metav1.ObjectMeta{Name: name, Annotations: map[string]string{ProvisionedByAnnotation: Name}},
		Spec: corev1.PersistentVolumeSpec{
			Capacity:                      corev1.ResourceList{corev1.ResourceStorage: size},
			AccessModes:                   modes,
			StorageClassName:              class,
			VolumeMode:                    pvc.Spec.VolumeMode,
			PersistentVolumeReclaimPolicy: corev1.PersistentVolumeReclaimRetain,
			ClaimRef: &corev1.ObjectReference{
				APIVersion: "v1", Kind: "PersistentVolumeClaim",
				Namespace: pvc.Namespace, Name: pvc.Name, UID: pvc.UID,
			},
			PersistentVolumeSource: corev1.PersistentVolumeSource{
				HostPath: &corev1.HostPathVolumeSource{Path: layout.PVDir(name), Type: &dirType},
			},
		},
	}
}
