package mimirctl

import (
	"context"
	"errors"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/mimirctl/mimirctl/pkg/envchange"
	"github.com/mimirctl/mimirctl/pkg/helmenv"
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
	h := &envchange.HelmEnvironment{Env: env}
	if o.KubeVersion != "" || len(o.APIVersions) > 0 {
		h.Caps = &helmenv.Capabilities{KubeVersion: o.KubeVersion, APIVersions: o.APIVersions}
	}
	d, err := h.Desired(ctx, c.Kube, c.Mapper, overlay)
	if err != nil {
		return nil, err
	}
	report, err := d.Compare(ctx, c.Dynamic, c.Mapper)
	if err != nil {
		return nil, err
	}
	return &envchange.EnvironmentDiff{Report: report, Kept: d.Kept}, nil
}
