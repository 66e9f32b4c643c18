package volumes

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/utils/ptr"

	"github.com/mimirctl/mimirctl/e2e/local/internal/config"
	"github.com/mimirctl/mimirctl/e2e/local/internal/containerinit"
)

// fake serves objects from maps keyed "namespace/name" (PVs by name).
type fake struct {
	cms     map[string]*corev1.ConfigMap
	secrets map[string]*corev1.Secret
	pvcs    map[string]*corev1.PersistentVolumeClaim
	pvs     map[string]*corev1.PersistentVolume
}

func notFound(name string) error {
	return apierrors.NewNotFound(schema.GroupResource{Resource: "x"}, name)
}

func (f *fake) ConfigMap(ns, n string) (*corev1.ConfigMap, error) {
	if o, ok := f.cms[ns+"/"+n]; ok {
		return o, nil
	}
	return nil, notFound(n)
}

func (f *fake) Secret(ns, n string) (*corev1.Secret, error) {
	if o, ok := f.secrets[ns+"/"+n]; ok {
		return o, nil
	}
	return nil, notFound(n)
}

func (f *fake) PVC(ns, n string) (*corev1.PersistentVolumeClaim, error) {
	if o, ok := f.pvcs[ns+"/"+n]; ok {
		return o, nil
	}
	return nil, notFound(n)
}

func (f *fake) PV(n string) (*corev1.PersistentVolume, error) {
	if o, ok := f.pvs[n]; ok {
		return o, nil
	}
	return nil, notFound(n)
}

func (f *fake) Token(_ context.Context, pod *corev1.Pod, aud string, _ int64) (string, error) {
	return "token-for-" + pod.Name + "-" + aud, nil
}

var layout = config.Layout{Root: "/state"}

func testPod() *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: "mimir", Name: "ingester-0", UID: "uid-1", Labels: map[string]string{"name": "ingester"}},
		Spec: corev1.PodSpec{NodeName: "zone-a-node-1", Containers: []corev1.Container{{
			Name: "ingester",
			Resources: corev1.ResourceRequirements{
				Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("1Gi")},
			},
		}}},
	}
}

func TestSource(t *testing.T) {
	objs := &fake{
		pvcs: map[string]*corev1.PersistentVolumeClaim{
			"mimir/data-ingester-0": {Spec: corev1.PersistentVolumeClaimSpec{VolumeName: "pvc-1"}},
			"mimir/pending":         {},
		},
		pvs: map[string]*corev1.PersistentVolume{"pvc-1": {Spec: corev1.PersistentVolumeSpec{PersistentVolumeSource: corev1.PersistentVolumeSource{
			HostPath: &corev1.HostPathVolumeSource{Path: "/state/pv/pvc-1"}}}}},
	}
	tests := []struct {
		name string
		vol  corev1.Volume
		want string
	}{
		{"an emptyDir lives in the pod's directory",
			corev1.Volume{Name: "tmp", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}, "/state/pods/uid-1/volumes/tmp"},
		{"a ConfigMap volume lives in the pod's directory",
			corev1.Volume{Name: "cfg", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{}}}, "/state/pods/uid-1/volumes/cfg"},
		{"a hostPath is rooted in the state directory",
			corev1.Volume{Name: "bucket", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/data/bucket"}}}, "/state/hostpath/data/bucket"},
		{"a hostPath cannot climb out of the state directory",
			corev1.Volume{Name: "x", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/../../etc"}}}, "/state/hostpath/etc"},
		{"a claim uses its volume's directory",
			corev1.Volume{Name: "data", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "data-ingester-0"}}}, "/state/pv/pvc-1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Source(layout, objs, testPod(), tt.vol)
			if err != nil || got != tt.want {
				t.Errorf("Source = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
	t.Run("an unbound claim makes the pod wait", func(t *testing.T) {
		v := corev1.Volume{Name: "data", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "pending"}}}
		if _, err := Source(layout, objs, testPod(), v); err == nil || !strings.Contains(err.Error(), "not bound") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("unsupported kinds name what is supported", func(t *testing.T) {
		v := corev1.Volume{Name: "nfs", VolumeSource: corev1.VolumeSource{NFS: &corev1.NFSVolumeSource{}}}
		if _, err := Source(layout, objs, testPod(), v); err == nil || !strings.Contains(err.Error(), "persistentVolumeClaim") {
			t.Errorf("err = %v", err)
		}
	})
}

func TestBinds(t *testing.T) {
	dir := t.TempDir()
	pod := testPod()
	pod.Spec.Volumes = []corev1.Volume{
		{Name: "cfg", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{}}},
		{Name: "data", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
	}
	c := &corev1.Container{Name: "ingester", VolumeMounts: []corev1.VolumeMount{
		{Name: "cfg", MountPath: "/etc/mimir"},
		{Name: "data", MountPath: "/data", SubPath: "tsdb"},
		{Name: "data", MountPath: "/logs", SubPathExpr: "$(POD_NAME)", ReadOnly: true},
	}}
	sources := map[string]string{"cfg": filepath.Join(dir, "cfg"), "data": filepath.Join(dir, "data")}
	got, err := Binds(pod, c, sources, map[string]string{"POD_NAME": "ingester-0"})
	if err != nil {
		t.Fatal(err)
	}
	want := []containerinit.Bind{
		{Source: filepath.Join(dir, "cfg"), Target: "/etc/mimir", ReadOnly: true},
		{Source: filepath.Join(dir, "data", "tsdb"), Target: "/data"},
		{Source: filepath.Join(dir, "data", "ingester-0"), Target: "/logs", ReadOnly: true},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("binds:\n%v\nwant:\n%v", got, want)
	}
	if fi, err := os.Stat(filepath.Join(dir, "data", "tsdb")); err != nil || !fi.IsDir() {
		t.Errorf("subPath directory not created: %v", err)
	}
	t.Run("a subPath may not leave its volume", func(t *testing.T) {
		c := &corev1.Container{Name: "x", VolumeMounts: []corev1.VolumeMount{{Name: "data", MountPath: "/x", SubPath: "../../etc"}}}
		if _, err := Binds(pod, c, sources, nil); err == nil {
			t.Error("escaping subPath accepted")
		}
	})
}

func TestWriteAtomic(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cfg")
	read := func(name string) string {
		b, _ := os.ReadFile(filepath.Join(dir, name))
		return string(b)
	}
	changed, err := WriteAtomic(dir, Payload{"runtime.yaml": {Data: []byte("v1"), Mode: 0o644}, "old.yaml": {Data: []byte("o"), Mode: 0o644}})
	if err != nil || !changed || read("runtime.yaml") != "v1" {
		t.Fatalf("first write: changed=%v err=%v content=%q", changed, err, read("runtime.yaml"))
	}
	t.Run("the same payload changes nothing", func(t *testing.T) {
		changed, err := WriteAtomic(dir, Payload{"runtime.yaml": {Data: []byte("v1"), Mode: 0o644}, "old.yaml": {Data: []byte("o"), Mode: 0o644}})
		if err != nil || changed {
			t.Errorf("changed=%v err=%v", changed, err)
		}
	})
	t.Run("a new payload replaces content and removes vanished keys", func(t *testing.T) {
		changed, err := WriteAtomic(dir, Payload{"runtime.yaml": {Data: []byte("v2"), Mode: 0o644}})
		if err != nil || !changed || read("runtime.yaml") != "v2" {
			t.Errorf("changed=%v err=%v content=%q", changed, err, read("runtime.yaml"))
		}
		if _, err := os.Lstat(filepath.Join(dir, "old.yaml")); !os.IsNotExist(err) {
			t.Errorf("old.yaml still there: %v", err)
		}
		entries, _ := os.ReadDir(dir)
		if len(entries) != 3 { // ..data, ..<timestamp>, runtime.yaml
			t.Errorf("directory holds %d entries, want 3 (old payloads removed)", len(entries))
		}
	})
	t.Run("visible files are links through ..data, as the kubelet makes them", func(t *testing.T) {
		target, err := os.Readlink(filepath.Join(dir, "runtime.yaml"))
		if err != nil || target != "..data/runtime.yaml" {
			t.Errorf("link = %q, %v", target, err)
		}
	})
}

func TestBuildPayload(t *testing.T) {
	objs := &fake{
		cms:     map[string]*corev1.ConfigMap{"mimir/runtime": {Data: map[string]string{"runtime.yaml": "overrides: {}", "other": "x"}}},
		secrets: map[string]*corev1.Secret{"mimir/creds": {Data: map[string][]byte{"password": []byte("s3cret")}}},
	}
	pod := testPod()
	tests := []struct {
		name string
		src  corev1.VolumeSource
		want map[string]string
	}{
		{"a ConfigMap gives every key", corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
			LocalObjectReference: corev1.LocalObjectReference{Name: "runtime"}}},
			map[string]string{"runtime.yaml": "overrides: {}", "other": "x"}},
		{"items pick and rename keys", corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
			LocalObjectReference: corev1.LocalObjectReference{Name: "runtime"},
			Items:                []corev1.KeyToPath{{Key: "runtime.yaml", Path: "conf/overrides.yaml"}}}},
			map[string]string{"conf/overrides.yaml": "overrides: {}"}},
		{"a missing optional ConfigMap is empty", corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
			LocalObjectReference: corev1.LocalObjectReference{Name: "nope"}, Optional: ptr.To(true)}},
			map[string]string{}},
		{"a Secret gives its data", corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "creds"}},
			map[string]string{"password": "s3cret"}},
		{"downward API files resolve pod fields and limits", corev1.VolumeSource{DownwardAPI: &corev1.DownwardAPIVolumeSource{Items: []corev1.DownwardAPIVolumeFile{
			{Path: "name", FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"}},
			{Path: "label", FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.labels['name']"}},
			{Path: "mem", ResourceFieldRef: &corev1.ResourceFieldSelector{ContainerName: "ingester", Resource: "limits.memory", Divisor: resource.MustParse("1Mi")}},
		}}}, map[string]string{"name": "ingester-0", "label": "ingester", "mem": "1024"}},
		{"projected volumes combine sources and a service-account token", corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{Sources: []corev1.VolumeProjection{
			{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{Path: "token"}},
			{ConfigMap: &corev1.ConfigMapProjection{LocalObjectReference: corev1.LocalObjectReference{Name: "runtime"}, Items: []corev1.KeyToPath{{Key: "other", Path: "ca.crt"}}}},
			{DownwardAPI: &corev1.DownwardAPIProjection{Items: []corev1.DownwardAPIVolumeFile{{Path: "namespace", FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.namespace"}}}}},
		}}}, map[string]string{"token": "token-for-ingester-0-", "ca.crt": "x", "namespace": "mimir"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := BuildPayload(context.Background(), objs, pod, corev1.Volume{Name: "v", VolumeSource: tt.src}, "10.244.0.5", "10.244.0.1")
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for k, f := range p {
				got[k] = string(f.Data)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("payload = %v, want %v", got, tt.want)
			}
		})
	}
	t.Run("a missing key named in items is an error", func(t *testing.T) {
		v := corev1.Volume{Name: "v", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
			LocalObjectReference: corev1.LocalObjectReference{Name: "runtime"}, Items: []corev1.KeyToPath{{Key: "absent", Path: "a"}}}}}
		if _, err := BuildPayload(context.Background(), objs, pod, v, "", ""); err == nil {
			t.Error("no error")
		}
	})
}

func TestFieldValue(t *testing.T) {
	pod := testPod()
	for path, want := range map[string]string{
		"metadata.name": "ingester-0", "metadata.namespace": "mimir", "spec.nodeName": "zone-a-node-1",
		"status.podIP": "10.244.0.5", "status.hostIP": "10.244.0.1", "metadata.labels['name']": "ingester",
	} {
		if got, err := FieldValue(pod, path, "10.244.0.5", "10.244.0.1"); err != nil || got != want {
			t.Errorf("FieldValue(%s) = %q, %v; want %q", path, got, err, want)
		}
	}
	if _, err := FieldValue(pod, "spec.unknown", "", ""); err == nil {
		t.Error("unknown field accepted")
	}
}
