package plan_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mimirctl/mimirctl/pkg/plan"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

// storeContract checks behaviour every Store must have.
func storeContract(t *testing.T, s plan.Store) {
	ctx := context.Background()
	if _, _, err := s.Load(ctx); !errors.Is(err, plan.ErrNoState) {
		t.Fatalf("empty store: err = %v, want ErrNoState", err)
	}
	st := &plan.State{Version: plan.StateVersion, RunID: "r1", Plan: "p", Status: plan.RunRunning, StartedAt: time.Unix(100, 0).UTC()}
	rev1, err := s.Save(ctx, st, "")
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if _, err := s.Save(ctx, st, ""); !errors.Is(err, plan.ErrStateConflict) {
		t.Errorf("second create: err = %v, want conflict", err)
	}
	st.Status = plan.RunDone
	rev2, err := s.Save(ctx, st, rev1)
	if err != nil || rev2 == rev1 {
		t.Fatalf("update: rev %q→%q err %v", rev1, rev2, err)
	}
	if _, err := s.Save(ctx, st, rev1); !errors.Is(err, plan.ErrStateConflict) {
		t.Errorf("stale update: err = %v, want conflict", err)
	}
	got, rev, err := s.Load(ctx)
	if err != nil || rev != rev2 || got.Status != plan.RunDone || got.RunID != "r1" || !got.StartedAt.Equal(st.StartedAt) {
		t.Errorf("load = %+v rev %q err %v", got, rev, err)
	}
}

func TestFileStore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "state.json")
	storeContract(t, plan.NewFileStore(path))
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("left temporary files behind: %v", entries)
	}
}

func TestFileStoreRefusesACorruptOrNewerState(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"corrupt": "{not json",
		"newer":   `{"version": 99}`,
	} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		_, _, err := plan.NewFileStore(p).Load(context.Background())
		if err == nil || (!strings.Contains(err.Error(), "corrupt") && !strings.Contains(err.Error(), "upgrade mimirctl")) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

func TestConfigMapStore(t *testing.T) {
	storeContract(t, plan.NewConfigMapStore(fakeWithResourceVersions(), "mimir", ""))
}

// fakeWithResourceVersions returns a fake clientset whose ConfigMaps get
// resourceVersions and refuse stale updates, as a real API server does (the
// plain fake ignores them). The real thing is exercised by the integration
// tests.
func fakeWithResourceVersions() *fake.Clientset {
	cs := fake.NewClientset()
	var rv int
	cs.PrependReactor("create", "configmaps", func(a k8stesting.Action) (bool, runtime.Object, error) {
		cm := a.(k8stesting.CreateAction).GetObject().(*corev1.ConfigMap)
		rv++
		cm.ResourceVersion = strconv.Itoa(rv)
		return false, nil, nil
	})
	cs.PrependReactor("update", "configmaps", func(a k8stesting.Action) (bool, runtime.Object, error) {
		cm := a.(k8stesting.UpdateAction).GetObject().(*corev1.ConfigMap)
		cur, err := cs.Tracker().Get(a.GetResource(), cm.Namespace, cm.Name)
		if err != nil {
			return true, nil, err
		}
		if cur.(*corev1.ConfigMap).ResourceVersion != cm.ResourceVersion {
			return true, nil, apierrors.NewConflict(a.GetResource().GroupResource(), cm.Name, errors.New("stale"))
		}
		rv++
		cm.ResourceVersion = strconv.Itoa(rv)
		return false, nil, nil
	})
	return cs
}

func TestConfigMapStoreRefusesAForeignConfigMap(t *testing.T) {
	cs := fake.NewClientset(&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "mimirctl-state", Namespace: "mimir"}, Data: map[string]string{"other": "x"}})
	_, _, err := plan.NewConfigMapStore(cs, "mimir", "").Load(context.Background())
	if err == nil || !strings.Contains(err.Error(), "was not written by mimirctl") {
		t.Fatalf("err = %v", err)
	}
}
