package mimirctl

import (
	"context"
	"errors"
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/mimirctl/mimirctl/pkg/diff"
	"github.com/mimirctl/mimirctl/pkg/envchange"
	"github.com/mimirctl/mimirctl/pkg/helmenv"
	"github.com/mimirctl/mimirctl/pkg/kube"
)

// HelmOptions name a Helm environment: a release of a chart with the
// user's values files, as `helm upgrade --install RELEASE CHART -n
// NAMESPACE -f ...` installs it (see helmenv.Environment).
type HelmOptions struct {
	// Chart is the chart's directory or packaged .tgz; required.
	Chart string
	// Release is the release name; required.
	Release string
	// Namespace is the release's namespace.
	Namespace string
	// Values are the user's values files in -f order. A last one named
	// helmenv.OverlayFile (mimirctl-values.yaml) is the overlay plan
	// steps write; otherwise the overlay is that file beside the last one.
	Values []string
	// KubeVersion and APIVersions are the capabilities the templates see
	// when no cluster is read (as helm template's --kube-version and
	// --api-versions); empty: helmenv.DefaultKubeVersion and Helm's
	// default API versions.
	KubeVersion string
	APIVersions []string
}

// errEnvAndChart refuses a Tanka and a Helm environment given together.
var errEnvAndChart = errors.New("--env and --chart: give a Tanka environment or a Helm chart, not both")

// errHelmAsApplied refuses RenderOptions.AsApplied for a Helm environment.
var errHelmAsApplied = errors.New("--as-applied is for Tanka environments: a Helm release's objects are applied by Helm, with Helm's labels")

// environment is the helmenv.Environment o names.
func (o *HelmOptions) environment() (*helmenv.Environment, error) {
	if o.Chart == "" {
		return nil, errors.New("--chart: no Helm chart given (a chart directory or .tgz)")
	}
	if o.Release == "" {
		return nil, errors.New("--release: a Helm environment needs the release's name")
	}
	return &helmenv.Environment{Chart: o.Chart, Release: o.Release, Namespace: o.Namespace, ValuesFiles: o.Values}, nil
}

// renderHelm renders a Helm environment as `helm template` would, with
// the overlay file merged last unless withoutOverlay; it reads no
// cluster. Objects come in Helm's install order; hooks (e.g. `helm test`
// pods) are not among them.
func renderHelm(ctx context.Context, o *HelmOptions, withoutOverlay bool) ([]*unstructured.Unstructured, error) {
	env, err := o.environment()
	if err != nil {
		return nil, err
	}
	var overlay map[string]any
	if !withoutOverlay {
		if overlay, err = helmenv.ReadOverlay(env.OverlayPath()); err != nil {
			return nil, err
		}
	}
	out, err := env.Render(ctx, overlay, helmenv.Capabilities{KubeVersion: o.KubeVersion, APIVersions: o.APIVersions})
	if err != nil {
		return nil, err
	}
	return out.Objects, nil
}

// diffHelm compares what `helm upgrade` of the Helm environment o would
// change with the live cluster, as Helm v4's upgrade decides it: the
// release rendered with the overlay file last and the live cluster's
// capabilities (helmenv.Discover; o.KubeVersion or o.APIVersions replace
// them), namespaced objects without a namespace put in the release's
// namespace and Helm's ownership metadata set (helmenv.SetOwnership);
// each object compared with its live counterpart, the fields
// Helm applied (field manager helmenv.FieldManager) seen as Helm's; and
// the objects of the current revision (helmenv.CurrentRelease) that the
// render no longer has, to be deleted, except those Helm keeps
// (helm.sh/resource-policy: keep), named in Kept. A release not installed
// yet has every object to create. The release's namespace is o.Namespace,
// else the Target's.
//
// Errors: o's (no chart or release), the cluster's (unreachable, a kind it
// does not serve), the chart's (helmenv.Environment.Render), the release
// record's (helmenv.CurrentRelease: a Helm operation in progress, ...).
func diffHelm(ctx context.Context, t *Target, o *HelmOptions) (*envchange.EnvironmentDiff, error) {
	env, err := o.environment()
	if err != nil {
		return nil, err
	}
	overlay, err := helmenv.ReadOverlay(env.OverlayPath())
	if err != nil {
		return nil, err
	}
	c, err := t.Clients()
	if err != nil {
		return nil, err
	}
	if env.Namespace == "" {
		env.Namespace = c.Namespace
	}
	caps := helmenv.Capabilities{KubeVersion: o.KubeVersion, APIVersions: o.APIVersions}
	if caps.KubeVersion == "" && len(caps.APIVersions) == 0 {
		if caps, err = helmenv.Discover(c.Kube.Discovery()); err != nil {
			return nil, err
		}
	}
	out, err := env.Render(ctx, overlay, caps)
	if err != nil {
		return nil, err
	}
	if err := kube.DefaultNamespace(c.Mapper, out.Objects, env.Namespace); err != nil {
		return nil, fmt.Errorf("chart %s: %w", env.Chart, err)
	}
	helmenv.SetOwnership(out.Objects, env.Release, env.Namespace)
	rel, err := helmenv.CurrentRelease(c.Kube, env.Namespace, env.Release)
	if err != nil {
		return nil, err
	}
	var gone []*unstructured.Unstructured
	var kept []string
	if rel != nil {
		if err := kube.DefaultNamespace(c.Mapper, rel.Objects, env.Namespace); err != nil {
			return nil, fmt.Errorf("the Helm release %s, revision %d: %w", rel.Name, rel.Revision, err)
		}
		gone, kept = helmLeftovers(rel, out.Objects)
	}
	pairs, err := kube.LivePairs(ctx, c.Dynamic, c.Mapper, out.Objects, gone)
	if err != nil {
		return nil, err
	}
	report, err := diff.Compare(pairs, diff.Options{FieldManager: helmenv.FieldManager})
	if err != nil {
		return nil, err
	}
	return &envchange.EnvironmentDiff{Report: report, Kept: kept}, nil
}

// helmLeftovers splits the objects of rel that rendered no longer has
// into those `helm upgrade` deletes and warnings for those it keeps
// (helm.sh/resource-policy: keep). Objects match as Helm matches them:
// by API group, kind, namespace and name, whatever the version.
func helmLeftovers(rel *helmenv.Release, rendered []*unstructured.Unstructured) (gone []*unstructured.Unstructured, kept []string) {
	type key struct {
		gk              schema.GroupKind
		namespace, name string
	}
	keyOf := func(o *unstructured.Unstructured) key {
		return key{o.GroupVersionKind().GroupKind(), o.GetNamespace(), o.GetName()}
	}
	have := map[key]bool{}
	for _, o := range rendered {
		have[keyOf(o)] = true
	}
	for _, o := range rel.Objects {
		if have[keyOf(o)] {
			continue
		}
		if o.GetAnnotations()[helmenv.ResourcePolicyAnnotation] == helmenv.KeepPolicy {
			kept = append(kept, fmt.Sprintf("%s: in revision %d of Helm release %s but no longer rendered; Helm keeps it (%s: %s): delete it yourself when it is no longer needed",
				diff.RefOf(o), rel.Revision, rel.Name, helmenv.ResourcePolicyAnnotation, helmenv.KeepPolicy))
			continue
		}
		gone = append(gone, o)
	}
	return gone, kept
}
