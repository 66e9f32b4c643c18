// Package helmenv renders a Helm release in-process with Helm's Go SDK
// (helm.sh/helm/v4), as `helm template` renders it: a chart (a directory or
// a packaged .tgz), a release name and namespace, values files merged in
// order (Helm's -f rules: later files override earlier ones, maps merge,
// lists and scalars are replaced) and, last of all, the values a plan's
// steps write (mimirctl-values.yaml), which override the user's.
//
// It is the Helm counterpart of pkg/tanka's environment. Rendering talks to
// no cluster: capabilities (the Kubernetes version and API versions the
// templates see as .Capabilities) are given by the caller, from the live
// cluster's discovery API (see Discover) or from Helm's defaults. Discover
// and CurrentRelease (the release revision Helm's storage records) read
// the cluster through the clients the caller gives them.
package helmenv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"helm.sh/helm/v4/pkg/action"
	"helm.sh/helm/v4/pkg/chart/common"
	chartutil "helm.sh/helm/v4/pkg/chart/common/util"
	chart "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"helm.sh/helm/v4/pkg/cli/values"
	"helm.sh/helm/v4/pkg/getter"
	release "helm.sh/helm/v4/pkg/release/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/discovery"
	"sigs.k8s.io/yaml"
)

// OverlayFile is the values file plan steps write for a Helm environment
// (cumulative: every step's values so far), which the user's pipeline
// passes last: `helm upgrade ... -f values.yaml -f mimirctl-values.yaml`.
const OverlayFile = "mimirctl-values.yaml"

// Environment is a Helm release as a user installs it with
// `helm upgrade --install RELEASE CHART -n NAMESPACE -f A.yaml -f B.yaml`.
type Environment struct {
	// Chart is the chart's directory or packaged archive (.tgz). Its
	// dependencies must be in its charts/ directory (a packaged chart has
	// them); a dependency whose condition is false may be absent.
	Chart string
	// Release is the release name (.Release.Name).
	Release string
	// Namespace is the release's namespace (.Release.Namespace).
	Namespace string
	// ValuesFiles are the user's values files, in the order of -f.
	ValuesFiles []string
	// StringValues are --set-string assignments (key=value), applied after
	// the values files, as Helm applies them.
	StringValues []string
}

// Capabilities is what the templates see as .Capabilities: the
// Kubernetes version ("v1.34.2") and the API versions the server serves
// ("apps/v1", "monitoring.coreos.com/v1/ServiceMonitor", ...), added to
// Helm's default API versions. A zero Capabilities renders as `helm
// template` does without --kube-version and --api-versions: Helm's default
// API versions and DefaultKubeVersion.
type Capabilities struct {
	KubeVersion string
	APIVersions []string
}

// DefaultKubeVersion is the Kubernetes version a render without one
// assumes, as the helm CLI derives its default (Helm v4's
// pkg/chart/common makeDefaultCapabilities): the major and minor version
// of the k8s.io/client-go module it is built with, patch 0 (client-go
// v0.37.1 → v1.37.0). mimirctl links the same module; a unit test keeps
// the two equal, and the comparison of helmTemplate with tk running the
// helm CLI checks the rule.
const DefaultKubeVersion = "v1.37.0"

// Discover reads the capabilities of the cluster dc talks to, as Helm does
// when it installs: the server's version and every group/version and
// group/version/kind it serves (action.GetVersionSet). A group whose
// discovery fails (an unavailable aggregated API) is left out, as Helm
// leaves it out; any other error is returned.
func Discover(dc discovery.DiscoveryInterface) (Capabilities, error) {
	v, err := dc.ServerVersion()
	if err != nil {
		return Capabilities{}, fmt.Errorf("read the Kubernetes server's version: %w", err)
	}
	set, err := action.GetVersionSet(dc)
	if err != nil && !discovery.IsGroupDiscoveryFailedError(err) {
		return Capabilities{}, err
	}
	return Capabilities{KubeVersion: v.GitVersion, APIVersions: []string(set)}, nil
}

// Rendered is a release as `helm template` prints it, split as Helm keeps
// it: Objects are the release's manifest (what an install or upgrade
// applies, in Helm's install order); Hooks are the templates annotated
// helm.sh/hook (run around installs, upgrades and `helm test`, never part
// of the release's objects).
type Rendered struct {
	Objects []*unstructured.Unstructured
	Hooks   []Hook
	// Values are the values the templates saw (the user's, then the
	// overlay's), without the chart's defaults.
	Values map[string]any
}

// Hook is one rendered hook template.
type Hook struct {
	// Path is the template's path in the chart ("mimir-distributed/templates/...").
	Path   string
	Events []string
	Object *unstructured.Unstructured
}

// OverlayPath is where the environment's OverlayFile is: the last values
// file when it is named so (the user passes it to mimirctl as to helm),
// otherwise beside the last values file, or in the working directory when
// there is none.
func (e *Environment) OverlayPath() string {
	if n := len(e.ValuesFiles); n > 0 {
		last := e.ValuesFiles[n-1]
		if filepath.Base(last) == OverlayFile {
			return last
		}
		return filepath.Join(filepath.Dir(last), OverlayFile)
	}
	return OverlayFile
}

// userValuesFiles are the values files without a last one that is the
// overlay (OverlayPath), which Render merges on its own.
func (e *Environment) userValuesFiles() []string {
	if n := len(e.ValuesFiles); n > 0 && filepath.Base(e.ValuesFiles[n-1]) == OverlayFile {
		return e.ValuesFiles[:n-1]
	}
	return e.ValuesFiles
}

// ReadOverlay reads the values of the overlay file at path; an absent file
// is no overlay (nil, nil). An overlay that is not a YAML map is an error
// naming the file.
func ReadOverlay(path string) (map[string]any, error) {
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out map[string]any
	if err := yaml.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("%s: %w (the overlay must be a YAML map of values)", path, err)
	}
	return out, nil
}

// Values merges the environment's values as `helm template -f ... --set-string ...`
// does, with overlay as one more values file after the user's (Helm's
// rules: maps merge key by key, anything else replaces; a null removes the
// key from the chart's defaults). overlay may be nil. A last values file
// named OverlayFile is left out: overlay stands for it. As in Helm,
// StringValues (--set-string) apply after every values file, the overlay
// included.
func (e *Environment) Values(overlay map[string]any) (map[string]any, error) {
	files := e.userValuesFiles()
	var providers getter.Providers
	if overlay != nil {
		raw, err := yaml.Marshal(overlay)
		if err != nil {
			return nil, fmt.Errorf("the overlay values: %w", err)
		}
		// Helm reads a values file whose URL scheme a getter provides from
		// that getter: the overlay is merged by Helm's own -f code.
		providers = getter.Providers{{Schemes: []string{overlayScheme}, New: func(...getter.Option) (getter.Getter, error) {
			return overlayGetter(raw), nil
		}}}
		files = append(slices.Clone(files), overlayScheme+"://"+OverlayFile)
	}
	// Values files are otherwise local paths: no getter (http, oci) is offered.
	opts := values.Options{ValueFiles: files, StringValues: e.StringValues}
	return opts.MergeValues(providers)
}

// ChartValues is Values coalesced with the chart's own values.yaml (and
// its subcharts'), as the templates see .Values: the value a path really
// has, the chart's default where no values file sets it. Errors: Values',
// LoadChart's, Helm's coalescing.
func (e *Environment) ChartValues(overlay map[string]any) (map[string]any, error) {
	ch, vals, err := e.chartAndValues(overlay)
	if err != nil {
		return nil, err
	}
	out, err := chartutil.CoalesceValues(ch, vals)
	if err != nil {
		return nil, fmt.Errorf("chart %s: coalesce the values: %w", e.Chart, err)
	}
	return out, nil
}

// chartAndValues loads the chart (LoadChart) and merges the values with
// overlay last (Values).
func (e *Environment) chartAndValues(overlay map[string]any) (*chart.Chart, map[string]any, error) {
	ch, err := LoadChart(e.Chart)
	if err != nil {
		return nil, nil, err
	}
	vals, err := e.Values(overlay)
	if err != nil {
		return nil, nil, err
	}
	return ch, vals, nil
}

// overlayScheme is the URL scheme under which Values hands the overlay to
// Helm's values-file merge.
const overlayScheme = "mimirctl-overlay"

// overlayGetter serves the overlay's YAML for any URL of overlayScheme.
type overlayGetter []byte

func (g overlayGetter) Get(string, ...getter.Option) (*bytes.Buffer, error) {
	return bytes.NewBuffer(slices.Clone(g)), nil
}

// LoadChart loads the chart at path (a directory or a .tgz) with Helm's
// loader. A chart of apiVersion v3 (Helm 4's new format) is refused: the
// mimir-distributed chart and every chart mimirctl knows are v2.
func LoadChart(path string) (*chart.Chart, error) {
	if _, err := os.Stat(path); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("chart %s: %w; the chart must be on disk (a directory or .tgz): fetch a repository or OCI chart with `helm pull REF --version VERSION --untar`", path, err)
		}
		return nil, fmt.Errorf("chart %s: %w", path, err)
	}
	ch, err := loader.Load(path)
	if err != nil {
		return nil, fmt.Errorf("load the chart %s: %w", path, err)
	}
	return ch, nil
}

// Render renders the environment with overlay merged last (see Values),
// for the capabilities caps, as `helm template RELEASE CHART --namespace NS
// -f ... --kube-version ... --api-versions ...` renders it (hooks
// included, CRDs of the chart's crds/ directory not). It reads the chart
// from disk each time, so that a chart edited between renders is seen.
//
// Errors name the chart and, for a template that fails, the template and
// line as Helm reports them; an object the templates render that is not a
// Kubernetes object (no apiVersion or kind) is an error naming its
// template.
func (e *Environment) Render(ctx context.Context, overlay map[string]any, caps Capabilities) (*Rendered, error) {
	if e.Release == "" {
		return nil, errors.New("a Helm environment needs a release name (--release)")
	}
	ch, vals, err := e.chartAndValues(overlay)
	if err != nil {
		return nil, err
	}
	rel, err := install(ctx, ch, e.Release, e.Namespace, vals, caps, false)
	if err != nil {
		return nil, fmt.Errorf("render the chart %s as release %s: %w", e.Chart, e.Release, err)
	}
	objs, err := decodeManifest(rel.Manifest)
	if err != nil {
		return nil, fmt.Errorf("chart %s: %w", e.Chart, err)
	}
	out := &Rendered{Objects: objs, Values: vals}
	for _, h := range rel.Hooks {
		hs, err := decodeManifest(h.Manifest)
		if err != nil {
			return nil, fmt.Errorf("chart %s: hook %s: %w", e.Chart, h.Path, err)
		}
		var events []string
		for _, ev := range h.Events {
			events = append(events, string(ev))
		}
		for _, o := range hs {
			out.Hooks = append(out.Hooks, Hook{Path: h.Path, Events: events, Object: o})
		}
	}
	return out, nil
}

// install runs Helm's install action as a client-side dry run, as `helm
// template` does: no cluster, the release kept in memory, capabilities
// from caps (DefaultKubeVersion when it has none); includeCRDs puts the
// chart's crds/ files at the head of the manifest (--include-crds).
func install(ctx context.Context, ch *chart.Chart, releaseName, namespace string, vals map[string]any, caps Capabilities, includeCRDs bool) (*release.Release, error) {
	if err := checkDependencies(ch, vals); err != nil {
		return nil, err
	}
	in := action.NewInstall(&action.Configuration{})
	in.DryRunStrategy = action.DryRunClient
	in.ReleaseName = releaseName
	in.Namespace = namespace
	in.Replace = true
	in.IncludeCRDs = includeCRDs
	kubeVersion := caps.KubeVersion
	if kubeVersion == "" {
		kubeVersion = DefaultKubeVersion
	}
	kv, err := common.ParseKubeVersion(kubeVersion)
	if err != nil {
		return nil, fmt.Errorf("kubernetes version %q: %w", kubeVersion, err)
	}
	in.KubeVersion = kv
	in.APIVersions = common.VersionSet(caps.APIVersions)
	r, err := in.RunWithContext(ctx, ch, vals)
	if err != nil {
		return nil, err
	}
	rel, ok := r.(*release.Release)
	if !ok {
		return nil, fmt.Errorf("helm returned a release of type %T", r)
	}
	return rel, nil
}

// TemplateOptions are the flags of a `helm template RELEASE CHART` run
// (see Template).
type TemplateOptions struct {
	// Release is the release name; Namespace the release's namespace
	// ("default" when empty).
	Release, Namespace string
	// Values are the values given as one values file (`--values -`).
	Values map[string]any
	// Capabilities are --kube-version and --api-versions.
	Capabilities
	// IncludeCRDs, SkipTests and NoHooks are --include-crds,
	// --skip-tests and --no-hooks.
	IncludeCRDs, SkipTests, NoHooks bool
}

// Template renders the chart at chartPath as `helm template` prints it
// (Helm v4's pkg/cmd/template.go): the manifest (the crds/ files first
// with IncludeCRDs), then each hook as a "---" document headed by its
// "# Source:" line, test hooks left out with SkipTests, all hooks with
// NoHooks. The text is YAML documents, for callers that decode them
// their own way (Tanka's helmTemplate decodes them with yaml.v3).
// Errors: the chart's (it does not load; a template fails).
func Template(ctx context.Context, chartPath string, o TemplateOptions) (string, error) {
	ch, err := LoadChart(chartPath)
	if err != nil {
		return "", err
	}
	ns := o.Namespace
	if ns == "" {
		ns = "default"
	}
	env := &Environment{Chart: chartPath, Release: o.Release, Namespace: ns}
	vals, err := env.Values(o.Values)
	if err != nil {
		return "", err
	}
	rel, err := install(ctx, ch, o.Release, ns, vals, o.Capabilities, o.IncludeCRDs)
	if err != nil {
		return "", fmt.Errorf("helm template %s %s: %w", o.Release, chartPath, err)
	}
	var out strings.Builder
	out.WriteString(strings.TrimSpace(rel.Manifest))
	out.WriteString("\n")
	if o.NoHooks {
		return out.String(), nil
	}
	for _, h := range rel.Hooks {
		if o.SkipTests && slices.Contains(h.Events, release.HookTest) {
			continue
		}
		fmt.Fprintf(&out, "---\n# Source: %s\n%s\n", h.Path, h.Manifest)
	}
	return out.String(), nil
}

// decodeManifest decodes Helm's manifest text (YAML documents, each
// preceded by a "# Source: TEMPLATE" comment) into objects as the API
// machinery decodes them (integers as int64); empty documents are skipped,
// as the API server would never see them.
func decodeManifest(manifest string) ([]*unstructured.Unstructured, error) {
	var out []*unstructured.Unstructured
	for _, doc := range splitDocuments(manifest) {
		source := "?"
		if s, ok := strings.CutPrefix(strings.TrimSpace(doc), "# Source: "); ok {
			source, _, _ = strings.Cut(s, "\n")
		}
		js, err := yaml.YAMLToJSON([]byte(doc))
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", source, err)
		}
		if t := strings.TrimSpace(string(js)); t == "null" || t == "{}" {
			continue
		}
		u := &unstructured.Unstructured{}
		if err := u.UnmarshalJSON(js); err != nil {
			return nil, fmt.Errorf("template %s renders what is not a Kubernetes object: %w", source, err)
		}
		out = append(out, u)
	}
	return out, nil
}

// splitDocuments splits YAML text at its "---" lines.
func splitDocuments(s string) []string {
	var docs []string
	var cur bytes.Buffer
	for line := range strings.Lines(s) {
		if strings.TrimRight(line, " \t\r\n") == "---" {
			docs = append(docs, cur.String())
			cur.Reset()
			continue
		}
		cur.WriteString(line)
	}
	return append(docs, cur.String())
}
