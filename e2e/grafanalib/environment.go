package grafanalib

import (
	"fmt"
	"path/filepath"
)

// TestEnvironment is the environment WriteTestProject writes for namespace
// ns, relative to the project's root: environments/<ns>. Tanka derives the
// tanka.dev/environment label from that path, so scenarios side by side in
// one cluster, each in its own namespace, do not share a label (with one,
// each scenario's apply took the others' Namespaces for its own leftovers).
func TestEnvironment(ns string) string { return filepath.Join("environments", ns) }

// testEnvironmentLibs are the files, in environment/ of this package and in
// the project's lib/, that define the environment on each supported module.
var testEnvironmentLibs = map[Module]string{
	Mimir305: "mimir-e2e.libsonnet",
	Mimir216: "mimir-e2e-2.16.libsonnet",
}

// KVStartLib is the jsonnet a scenario merges into the environment (as
// WriteTestProject's extra, "(import 'mimir-e2e-kv.libsonnet')") for the
// starting point of the KV store migrations: rings on Consul, the HA
// tracker on etcd (see environment/mimir-e2e-kv.libsonnet).
const KVStartLib = "mimir-e2e-kv.libsonnet"

// RolloutOperatorLib is the jsonnet a scenario merges into the environment
// (as WriteTestProject's extra, "(import 'mimir-e2e-rollout-operator.libsonnet')")
// where grafana/rollout-operator's image can run (kind): the library's own
// operator, zone tracker and admission webhooks, for both modules, instead of
// the suite's stand-in (see environment/mimir-e2e-rollout-operator.libsonnet).
const RolloutOperatorLib = "mimir-e2e-rollout-operator.libsonnet"

// WriteTestProject lays out a self-contained Tanka project at root around
// Grafana's Mimir library of module m (LayoutCopy, with k8sLib from
// KubernetesLibrary: copies, so that the project can be mounted into a pod)
// and writes the e2e environment in it, TestEnvironment(ns), for namespace ns:
// its main.jsonnet imports the module's lib/mimir-e2e*.libsonnet (every .libsonnet file
// of environment/ of this package is copied into lib/) and sets
// _config.namespace, then merges extra (jsonnet evaluating to an object,
// e.g. a scenario's tenant overrides or "(import 'mimir-e2e-kv.libsonnet')";
// "" for none) on top; spec.json is Spec(ns). It returns the environment's
// directory.
//
// Mimir305 and Mimir216 are supported; any other module is an error (see
// the package documentation for what another module needs). Other errors
// come from downloading the module (ModuleDir) or writing files.
func WriteTestProject(root, k8sLib string, m Module, ns, extra string) (string, error) {
	envLibName, ok := testEnvironmentLibs[m]
	if !ok {
		return "", fmt.Errorf("the e2e environment is written for Grafana's library of Mimir %s (%s) and %s (%s), not %s (%s)",
			Mimir305.Name, Mimir305.Version, Mimir216.Name, Mimir216.Version, m.Name, m.Version)
	}
	operations, err := m.Operations()
	if err != nil {
		return "", err
	}
	if err := LayoutCopy(root, k8sLib, operations); err != nil {
		return "", err
	}
	envLib, err := packageDir("environment", envLibName)
	if err != nil {
		return "", err
	}
	libs, err := filepath.Glob(filepath.Join(envLib, "*.libsonnet"))
	if err != nil {
		return "", err
	}
	for _, l := range libs {
		if err := copyTree(l, filepath.Join(root, "lib", filepath.Base(l))); err != nil {
			return "", err
		}
	}
	envDir := filepath.Join(root, TestEnvironment(ns))
	main := fmt.Sprintf(`// The e2e environment on Grafana's Mimir %s library (e2e/grafanalib).
(import '%s') + {
  _config+:: {
    namespace: '%s',
  },
}
`, m.Name, envLibName, ns)
	if extra != "" {
		main += "// The scenario's own settings.\n+ " + extra + "\n"
	}
	return envDir, WriteEnvironment(envDir, main, ns)
}
