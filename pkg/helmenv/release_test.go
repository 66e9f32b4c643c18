package helmenv

import (
	"strconv"
	"strings"
	"testing"

	chart "helm.sh/helm/v4/pkg/chart/v2"
	rcommon "helm.sh/helm/v4/pkg/release/common"
	release "helm.sh/helm/v4/pkg/release/v1"
	"helm.sh/helm/v4/pkg/storage/driver"
	"k8s.io/client-go/kubernetes"
	fakeclientset "k8s.io/client-go/kubernetes/fake"
)

// revision is one stored revision of release "mimir" in namespace
// "mimir-prod", its manifest one ConfigMap named after the revision.
func revision(v int, status rcommon.Status) *release.Release {
	return &release.Release{
		Name: "mimir", Namespace: "mimir-prod", Version: v,
		Info:     &release.Info{Status: status},
		Chart:    &chart.Chart{Metadata: &chart.Metadata{Name: "mimir-distributed", Version: "5.7.0"}},
		Manifest: "---\n# Source: mimir-distributed/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: rev-" + strconv.Itoa(v) + "\n",
	}
}

// store writes revisions with Helm's own storage driver d, as the helm CLI
// would have written them.
func store(t *testing.T, d driver.Driver, revs ...*release.Release) {
	t.Helper()
	for _, r := range revs {
		if err := d.Create(makeKey(r), r); err != nil {
			t.Fatal(err)
		}
	}
}

// makeKey is the storage key Helm's storage gives a revision.
func makeKey(r *release.Release) string {
	return "sh.helm.release.v1." + r.Name + ".v" + strconv.Itoa(r.Version)
}

func secretsOf(kube kubernetes.Interface) driver.Driver {
	return driver.NewSecrets(kube.CoreV1().Secrets("mimir-prod"))
}

func TestCurrentReleaseIsTheRevisionHelmUpgradeStartsFrom(t *testing.T) {
	for name, tc := range map[string]struct {
		revs         []*release.Release
		wantRevision int
		wantStatus   string
	}{
		"the last, deployed": {revs: []*release.Release{revision(1, rcommon.StatusSuperseded), revision(2, rcommon.StatusDeployed)}, wantRevision: 2, wantStatus: "deployed"},
		// A failed upgrade leaves the objects of the deployed revision
		// as Helm's base: helm upgrade compares with revision 2.
		"a failed upgrade after a deployed one": {revs: []*release.Release{revision(1, rcommon.StatusSuperseded), revision(2, rcommon.StatusDeployed), revision(3, rcommon.StatusFailed)}, wantRevision: 2, wantStatus: "deployed"},
		"a failed first install":                {revs: []*release.Release{revision(1, rcommon.StatusFailed)}, wantRevision: 1, wantStatus: "failed"},
	} {
		t.Run(name, func(t *testing.T) {
			kube := fakeclientset.NewClientset()
			store(t, secretsOf(kube), tc.revs...)
			r, err := CurrentRelease(kube, "mimir-prod", "mimir")
			if err != nil {
				t.Fatal(err)
			}
			if r.Revision != tc.wantRevision || r.Status != tc.wantStatus || r.Chart != "mimir-distributed-5.7.0" {
				t.Errorf("revision %d %s of %s, want %d %s of mimir-distributed-5.7.0", r.Revision, r.Status, r.Chart, tc.wantRevision, tc.wantStatus)
			}
			if len(r.Objects) != 1 || r.Objects[0].GetName() != "rev-"+strconv.Itoa(tc.wantRevision) {
				t.Errorf("objects %v, want the ConfigMap of revision %d", keys(r.Objects), tc.wantRevision)
			}
		})
	}
}

func TestCurrentReleaseOfAReleaseNotInstalledIsNil(t *testing.T) {
	kube := fakeclientset.NewClientset()
	// Another release in the namespace is not this one.
	other := revision(1, rcommon.StatusDeployed)
	other.Name = "other"
	store(t, secretsOf(kube), other)
	r, err := CurrentRelease(kube, "mimir-prod", "mimir")
	if err != nil || r != nil {
		t.Fatalf("got %+v, %v; want nil, nil", r, err)
	}
}

func TestCurrentReleaseRefusesAReleaseInTheMiddleOfAnOperation(t *testing.T) {
	kube := fakeclientset.NewClientset()
	store(t, secretsOf(kube), revision(1, rcommon.StatusSuperseded), revision(2, rcommon.StatusPendingUpgrade))
	_, err := CurrentRelease(kube, "mimir-prod", "mimir")
	if err == nil || !strings.Contains(err.Error(), "revision 2 is pending-upgrade") || !strings.Contains(err.Error(), "helm rollback") {
		t.Fatalf("error %v, want the pending revision named and what to do", err)
	}
}

func TestCurrentReleaseReadsTheDriverHelmDriverNames(t *testing.T) {
	kube := fakeclientset.NewClientset()
	store(t, driver.NewConfigMaps(kube.CoreV1().ConfigMaps("mimir-prod")), revision(1, rcommon.StatusDeployed))

	t.Setenv("HELM_DRIVER", "")
	if r, err := CurrentRelease(kube, "mimir-prod", "mimir"); err != nil || r != nil {
		t.Errorf("Secrets driver: got %+v, %v; want nil, nil (the release is in ConfigMaps)", r, err)
	}
	t.Setenv("HELM_DRIVER", "configmap")
	if r, err := CurrentRelease(kube, "mimir-prod", "mimir"); err != nil || r == nil || r.Revision != 1 {
		t.Errorf("ConfigMaps driver: got %+v, %v; want revision 1", r, err)
	}
	t.Setenv("HELM_DRIVER", "sql")
	if _, err := CurrentRelease(kube, "mimir-prod", "mimir"); err == nil || !strings.Contains(err.Error(), "HELM_DRIVER=sql") {
		t.Errorf("sql driver: error %v, want a refusal naming HELM_DRIVER", err)
	}
}
