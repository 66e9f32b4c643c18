package cli

import (
	"github.com/spf13/pflag"

	"github.com/mimirctl/mimirctl/pkg/helmenv"
	"github.com/mimirctl/mimirctl/pkg/mimirctl"
)

// HelmFlags are the flags that name a Helm environment instead of --env,
// with Helm's own names (helm template/upgrade's), shared by the commands
// that take an environment.
type HelmFlags struct {
	// Chart, Release and Values are --chart, --release and -f/--values
	// (in order, as helm merges them).
	Chart   string
	Release string
	Values  []string
	// KubeVersion and APIVersions are --kube-version and --api-versions,
	// the capabilities a chart's templates see (helm template's).
	KubeVersion string
	APIVersions []string
}

// add registers the flags on fs; discovered says whether the command
// reads the capabilities from the live cluster when none are given.
func (h *HelmFlags) add(fs *pflag.FlagSet, discovered bool) {
	fs.StringVar(&h.Chart, "chart", "", "Helm chart directory or packaged .tgz (a Helm environment instead of --env)")
	fs.StringVar(&h.Release, "release", "", "Helm release name (with --chart)")
	fs.StringArrayVarP(&h.Values, "values", "f", nil, "Helm values file, merged in order as helm's -f (repeatable; with --chart)")
	def := "default " + helmenv.DefaultKubeVersion
	if discovered {
		def = "default: the cluster's"
	}
	fs.StringVar(&h.KubeVersion, "kube-version", "", "Kubernetes version the chart's templates see (with --chart; "+def+")")
	fs.StringSliceVar(&h.APIVersions, "api-versions", nil, "API versions the chart's templates see beside Helm's defaults, e.g. monitoring.coreos.com/v1 (with --chart)")
}

// check refuses the combinations of --env and the Helm flags that name no
// single environment; cmd is the command's name, for the messages.
func (h *HelmFlags) check(cmd, env string) error {
	helmOnly := h.Release != "" || len(h.Values) > 0 || h.KubeVersion != "" || len(h.APIVersions) > 0
	switch {
	case env != "" && h.Chart != "":
		return flagError("%s takes --env DIR (Tanka) or --chart CHART (Helm), not both", cmd)
	case env == "" && h.Chart == "" && helmOnly:
		return flagError("--release, -f, --kube-version and --api-versions need --chart CHART (a Helm chart directory or .tgz)")
	case env == "" && h.Chart == "":
		return flagError("%s needs --env DIR (the directory of main.jsonnet) or --chart CHART --release NAME", cmd)
	case env != "" && helmOnly:
		return flagError("--release, -f, --kube-version and --api-versions are for a Helm chart (--chart), not --env")
	case h.Chart != "" && h.Release == "":
		return flagError("%s --chart needs --release NAME (the Helm release's name)", cmd)
	}
	return nil
}

// options is the library's HelmOptions for these flags, nil without
// --chart; the release's namespace is namespace.
func (h *HelmFlags) options(namespace string) *mimirctl.HelmOptions {
	if h.Chart == "" {
		return nil
	}
	return &mimirctl.HelmOptions{Chart: h.Chart, Release: h.Release, Namespace: namespace, Values: h.Values, KubeVersion: h.KubeVersion, APIVersions: h.APIVersions}
}
