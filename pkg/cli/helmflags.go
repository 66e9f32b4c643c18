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

	habits helmHabits
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
	h.habits.add(fs)
}

// check refuses the combinations of --env and the Helm flags that name no
// single environment; cmd is the command's name, for the messages.
func (h *HelmFlags) check(cmd, env string) error {
	if err := h.habits.check(); err != nil {
		return err
	}
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

// helmHabits are flags of helm template/upgrade that mimirctl does not
// take, registered hidden so that a Helm user who passes one is told what
// to do instead of "unknown flag".
type helmHabits struct {
	// set are --set, --set-string, --set-json, --set-file, --set-literal
	// (in that order), as given.
	set     [len(setFlags)][]string
	version string // --version
	repo    string // --repo
}

// setFlags are helm's flags that set values on the command line.
var setFlags = [...]string{"set", "set-string", "set-json", "set-file", "set-literal"}

// add registers the hidden flags on fs.
func (h *helmHabits) add(fs *pflag.FlagSet) {
	for i, name := range setFlags {
		fs.StringArrayVar(&h.set[i], name, nil, "not taken: put the values in a file and pass it with -f")
		_ = fs.MarkHidden(name)
	}
	fs.StringVar(&h.version, "version", "", "not taken: fetch the chart version with helm pull, pass --chart DIR")
	fs.StringVar(&h.repo, "repo", "", "not taken: fetch the chart with helm pull, pass --chart DIR")
	_ = fs.MarkHidden("version")
	_ = fs.MarkHidden("repo")
}

// chartPullHint says how to turn a chart reference into the chart on
// disk that --chart takes.
const chartPullHint = "--chart takes a chart directory or .tgz on disk, the one your release runs: fetch it with " +
	"`helm pull grafana/mimir-distributed --version VERSION --untar` (or `helm pull oci://REGISTRY/CHART --version VERSION --untar`) " +
	"and pass --chart ./mimir-distributed"

// check refuses any of them, with the way to give the same thing.
func (h *helmHabits) check() error {
	for i, given := range h.set {
		if len(given) > 0 {
			return flagError("--%s is not taken: mimirctl renders the release from its values files, which a later `helm upgrade` reads too; put %q in a values file and pass it with -f (after the others, as helm merges them)", setFlags[i], given[0])
		}
	}
	if h.version != "" || h.repo != "" {
		return flagError("--version and --repo are not taken: %s", chartPullHint)
	}
	return nil
}
