package scenario

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"helm.sh/helm/v4/pkg/action"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"helm.sh/helm/v4/pkg/cli/values"
	"helm.sh/helm/v4/pkg/getter"
	helmkube "helm.sh/helm/v4/pkg/kube"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericclioptions"

	"github.com/mimirctl/mimirctl/e2e/grafanalib"
	"github.com/mimirctl/mimirctl/e2e/tankaenv"
	"github.com/mimirctl/mimirctl/pkg/helmenv"
	"github.com/mimirctl/mimirctl/pkg/kube"
)

// HelmRelease is a release of Grafana's mimir-distributed chart a scenario
// installed: what mimirctl's --chart, --release, -f and -n name.
type HelmRelease struct {
	// Chart is the chart directory (in the module cache), Release the
	// release name, NS its namespace, Values the values files in -f order.
	Chart, Release, NS string
	Values             []string
	// Objects is how many objects the install rendered; Took how long
	// it took until every workload was ready.
	Objects int
	Took    time.Duration
}

// ChartDir is the mimir-distributed chart of module m (Grafana's chart of
// the same commit as its jsonnet library), read from the module cache. Its
// subcharts (minio, rollout-operator, grafana-agent-operator) are not in
// the module: the values must disable them, which Helm's SDK accepts (the
// helm CLI refuses such a chart before rendering it).
func ChartDir(m grafanalib.Module) (string, error) {
	operations, err := m.Operations()
	if err != nil {
		return "", err
	}
	return filepath.Join(operations, "helm", "charts", "mimir-distributed"), nil
}

// InstallHelm removes namespace ns if it exists, creates it, installs the
// chart of module m as release in it with the values files (Helm's own
// install action, releases stored as Secrets as the helm CLI stores them,
// applied by field manager "helm"), and waits until every workload it
// renders is ready. kubeconfig is the cluster's file, for Helm's client.
func InstallHelm(ctx context.Context, c *kube.Clients, kubeconfig string, m grafanalib.Module, ns, release string, valuesFiles ...string) (*HelmRelease, error) {
	chartDir, err := ChartDir(m)
	if err != nil {
		return nil, err
	}
	if err := DropNamespace(ctx, c, ns); err != nil {
		return nil, err
	}
	if _, err := c.Kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		return nil, fmt.Errorf("create namespace %s: %w", ns, err)
	}
	ch, err := loader.Load(chartDir)
	if err != nil {
		return nil, fmt.Errorf("load the chart %s: %w", chartDir, err)
	}
	vals, err := (&values.Options{ValueFiles: valuesFiles}).MergeValues(getter.Providers{})
	if err != nil {
		return nil, err
	}
	flags := genericclioptions.NewConfigFlags(false)
	flags.KubeConfig, flags.Namespace = &kubeconfig, &ns
	cfg := action.NewConfiguration()
	if err := cfg.Init(flags, ns, "secret"); err != nil {
		return nil, err
	}
	helmkube.ManagedFieldsManager = helmenv.FieldManager
	in := action.NewInstall(cfg)
	in.ReleaseName, in.Namespace, in.WaitStrategy = release, ns, helmkube.HookOnlyStrategy
	start := time.Now()
	if _, err := in.RunWithContext(ctx, ch, vals); err != nil {
		return nil, fmt.Errorf("helm install %s %s -n %s: %w", release, chartDir, ns, err)
	}
	env := helmenv.Environment{Chart: chartDir, Release: release, Namespace: ns, ValuesFiles: valuesFiles}
	out, err := env.Render(ctx, nil, helmenv.Capabilities{})
	if err != nil {
		return nil, err
	}
	for _, o := range out.Objects {
		if o.GetNamespace() == "" { // Helm installs them in the release's namespace
			o.SetNamespace(ns)
		}
	}
	if err := tankaenv.WaitReady(ctx, c, out.Objects, nil); err != nil {
		return nil, fmt.Errorf("release %s in namespace %s not ready: %w", release, ns, err)
	}
	return &HelmRelease{Chart: chartDir, Release: release, NS: ns, Values: valuesFiles, Objects: len(out.Objects), Took: time.Since(start)}, nil
}

// Args are mimirctl's flags naming the release: --chart, --release and
// one -f per values file.
func (r *HelmRelease) Args() []string {
	args := []string{"--chart", r.Chart, "--release", r.Release}
	for _, f := range r.Values {
		args = append(args, "-f", f)
	}
	return args
}
