package helmenv

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"helm.sh/helm/v4/pkg/action"
	helmkube "helm.sh/helm/v4/pkg/kube"

	rcommon "helm.sh/helm/v4/pkg/release/common"
	release "helm.sh/helm/v4/pkg/release/v1"
	"helm.sh/helm/v4/pkg/storage"
	"helm.sh/helm/v4/pkg/storage/driver"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/kubernetes"
)

// Release is the revision of a Helm release that the next `helm upgrade`
// starts from, as Helm's storage records it.
type Release struct {
	// Name and Namespace name the release.
	Name, Namespace string
	// Revision is the revision's number (helm history's REVISION).
	Revision int
	// Status is Helm's status of that revision: "deployed", or "failed"
	// or "superseded" when no revision is deployed.
	Status string
	// Chart is the chart's "name-version" (helm list's CHART).
	Chart string
	// Objects are the objects of the revision's manifest (hooks not
	// included), as Helm recorded them: a namespaced object without a
	// namespace is in the release's namespace.
	Objects []*unstructured.Unstructured
}

// FieldManager is the field manager under which the helm CLI applies a
// release's objects (Helm v4's pkg/kube names it after the binary, "helm").
const FieldManager = "helm"

// SetOwnership sets on each object of objs the label and annotations by
// which Helm's install and upgrade mark it as the release's before they
// apply it (Helm v4's pkg/action/validate.go): app.kubernetes.io/managed-by
// "Helm", meta.helm.sh/release-name and meta.helm.sh/release-namespace.
// A diff compares live objects with the objects as Helm sends them.
func SetOwnership(objs []*unstructured.Unstructured, release, namespace string) {
	for _, o := range objs {
		labels := o.GetLabels()
		if labels == nil {
			labels = map[string]string{}
		}
		labels["app.kubernetes.io/managed-by"] = "Helm"
		o.SetLabels(labels)
		annotations := o.GetAnnotations()
		if annotations == nil {
			annotations = map[string]string{}
		}
		annotations["meta.helm.sh/release-name"] = release
		annotations["meta.helm.sh/release-namespace"] = namespace
		o.SetAnnotations(annotations)
	}
}

// ResourcePolicyAnnotation and KeepPolicy: an object of a release with
// this annotation set to "keep" is not deleted when an upgrade no longer
// renders it, nor by `helm uninstall` (Helm's pkg/kube/resource_policy.go).
const (
	ResourcePolicyAnnotation = "helm.sh/resource-policy"
	KeepPolicy               = "keep"
)

// CurrentRelease reads the revision of release name in namespace that
// `helm upgrade` compares a new render with (Helm v4's
// action.Upgrade.prepareUpgrade): the last revision when it is deployed;
// otherwise the last deployed one; otherwise, after a failed first
// install, the last revision. It reads Helm's storage where the helm CLI
// does: the driver named by $HELM_DRIVER ("secret", the default, or
// "configmap"), through kube.
//
// Returns nil and no error when the release does not exist (a first
// install). Errors: a Helm operation in progress on the release (a
// pending-install, -upgrade or -rollback revision, as helm upgrade refuses
// it), another driver in $HELM_DRIVER, the API server's, a manifest that
// does not decode.
func CurrentRelease(kube kubernetes.Interface, namespace, name string) (*Release, error) {
	d, err := storageDriver(kube, namespace)
	if err != nil {
		return nil, err
	}
	s := storage.Init(d)
	last, err := v1Release(s.Last(name))
	if errors.Is(err, driver.ErrReleaseNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the Helm release %s in namespace %s: %w", name, namespace, err)
	}
	if last.Info.Status.IsPending() {
		return nil, fmt.Errorf("the Helm release %s in namespace %s: revision %d is %s: another Helm operation is in progress; wait for it to end (or `helm rollback` a stuck one) and run again",
			name, namespace, last.Version, last.Info.Status)
	}
	cur := last
	if last.Info.Status != rcommon.StatusDeployed {
		dep, err := v1Release(s.Deployed(name))
		switch {
		case err == nil:
			cur = dep
		case !errors.Is(err, driver.ErrNoDeployedReleases):
			return nil, fmt.Errorf("read the Helm release %s in namespace %s: %w", name, namespace, err)
		case last.Info.Status != rcommon.StatusFailed && last.Info.Status != rcommon.StatusSuperseded:
			return nil, fmt.Errorf("the Helm release %s in namespace %s: no deployed revision, and the last one (%d) is %s", name, namespace, last.Version, last.Info.Status)
		}
	}
	objs, err := decodeManifest(cur.Manifest)
	if err != nil {
		return nil, fmt.Errorf("the Helm release %s, revision %d: %w", name, cur.Version, err)
	}
	r := &Release{Name: cur.Name, Namespace: cur.Namespace, Revision: cur.Version, Status: string(cur.Info.Status), Objects: objs}
	if cur.Chart != nil && cur.Chart.Metadata != nil {
		r.Chart = cur.Chart.Metadata.Name + "-" + cur.Chart.Metadata.Version
	}
	return r, nil
}

// storageDriver is the Helm storage driver the helm CLI would use for
// namespace, from $HELM_DRIVER.
func storageDriver(kube kubernetes.Interface, namespace string) (driver.Driver, error) {
	name, err := storageDriverNamed(os.Getenv("HELM_DRIVER"))
	if err != nil {
		return nil, err
	}
	if name == "configmap" {
		return driver.NewConfigMaps(kube.CoreV1().ConfigMaps(namespace)), nil
	}
	return driver.NewSecrets(kube.CoreV1().Secrets(namespace)), nil
}

// storageDriverNamed is the storage driver ("secret" or "configmap") that
// a $HELM_DRIVER of v names; the others Helm knows (memory, sql) are
// refused.
func storageDriverNamed(v string) (string, error) {
	switch strings.ToLower(v) {
	case "", "secret", "secrets":
		return "secret", nil
	case "configmap", "configmaps":
		return "configmap", nil
	default:
		return "", fmt.Errorf("HELM_DRIVER=%s: mimirctl reads Helm releases stored as Secrets (the default) or ConfigMaps; unset HELM_DRIVER or set it to secret or configmap", v)
	}
}

// v1Release narrows what Helm's storage returns to its v1 release type.
func v1Release(r any, err error) (*release.Release, error) {
	if err != nil {
		return nil, err
	}
	switch rel := r.(type) {
	case *release.Release:
		return rel, nil
	case release.Release:
		return &rel, nil
	default:
		return nil, fmt.Errorf("the Helm storage returned a release of type %T", r)
	}
}

// UpgradeOptions are the choices of an Upgrade.
type UpgradeOptions struct {
	// Description is recorded with the new revision (helm history's
	// DESCRIPTION), e.g. the plan and step that made it.
	Description string
	// ForceConflicts takes fields other managers own when Helm applies
	// server-side (helm upgrade --force-conflicts).
	ForceConflicts bool
}

// MaxHistory is how many revisions of a release Upgrade keeps, the helm
// CLI's default for `helm upgrade --history-max`.
const MaxHistory = 10

// Upgrade upgrades the release to the environment rendered with overlay
// merged last (see Values), as `helm upgrade RELEASE CHART -n NAMESPACE -f
// ... -f mimirctl-values.yaml` does: one new revision in Helm's storage
// (the driver of $HELM_DRIVER, see CurrentRelease), the objects applied as
// the release's previous revision applied them (Helm v4's "auto"
// server-side apply) under field manager FieldManager, what the release
// no longer renders deleted unless kept (helm.sh/resource-policy: keep),
// hooks run, at most MaxHistory revisions kept. It waits for nothing but
// hooks (as `helm upgrade` without --wait): the caller waits for the
// rollouts. getter reaches the cluster (kube.Clients.RESTClientGetter).
// The environment's Namespace must be set.
//
// Errors: the release does not exist (install it with helm first), a Helm
// operation is in progress on it, the chart or values are invalid, the
// API server refuses an object (Helm then records the revision as
// failed, as `helm upgrade` does).
func (e *Environment) Upgrade(ctx context.Context, getter genericclioptions.RESTClientGetter, overlay map[string]any, o UpgradeOptions) (*Release, error) {
	if e.Namespace == "" {
		return nil, errors.New("upgrade: the release's namespace is not set")
	}
	ch, vals, err := e.chartAndValues(overlay)
	if err != nil {
		return nil, err
	}
	if err := checkDependencies(ch, vals); err != nil {
		return nil, err
	}
	driverName, err := storageDriverNamed(os.Getenv("HELM_DRIVER"))
	if err != nil {
		return nil, err
	}
	helmkube.ManagedFieldsManager = FieldManager
	cfg := action.NewConfiguration(action.ConfigurationSetLogger(slog.DiscardHandler))
	if err := cfg.Init(getter, e.Namespace, driverName); err != nil {
		return nil, fmt.Errorf("connect Helm to namespace %s: %w", e.Namespace, err)
	}
	up := action.NewUpgrade(cfg)
	up.Namespace = e.Namespace
	up.WaitStrategy = helmkube.HookOnlyStrategy
	up.ServerSideApply = "auto"
	up.ForceConflicts = o.ForceConflicts
	up.MaxHistory = MaxHistory
	up.Description = o.Description
	r, err := up.RunWithContext(ctx, e.Release, ch, vals)
	if err != nil {
		return nil, fmt.Errorf("helm upgrade of release %s in namespace %s: %w", e.Release, e.Namespace, err)
	}
	rel, ok := r.(*release.Release)
	if !ok {
		return nil, fmt.Errorf("helm returned a release of type %T", r)
	}
	return &Release{Name: rel.Name, Namespace: rel.Namespace, Revision: rel.Version, Status: string(rel.Info.Status)}, nil
}
