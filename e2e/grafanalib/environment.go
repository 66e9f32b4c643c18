package grafanalib

import (
	"fmt"
	"path/filepath"
)

// TestEnvironment is the environment WriteTestProject writes, relative to
// the project's root.
const TestEnvironment = "environments/mimir-grafana"

// testEnvironmentLib is the file, in environment/ of this package and in
// the project's lib/, that defines the environment.
const testEnvironmentLib = "mimir-e2e.libsonnet"

// WriteTestProject lays out a Tanka project at root around Grafana's Mimir
// library of module m (Layout, with k8sLib from KubernetesLibrary) and
// writes the e2e environment in it, TestEnvironment, for namespace ns: its
// main.jsonnet imports lib/mimir-e2e.libsonnet (a symlink to
// environment/mimir-e2e.libsonnet of this package) and sets
// _config.namespace; spec.json is Spec(ns). It returns the environment's
// directory.
//
// Only Mimir305 is supported; any other module is an error (see the
// package documentation for what a 2.x module needs). Other errors come
// from downloading the module (ModuleDir) or writing files.
func WriteTestProject(root, k8sLib string, m Module, ns string) (string, error) {
	if m != Mimir305 {
		return "", fmt.Errorf("the e2e environment is written for Grafana's library of Mimir %s (%s), not %s (%s)",
			Mimir305.Name, Mimir305.Version, m.Name, m.Version)
	}
	operations, err := m.Operations()
	if err != nil {
		return "", err
	}
	if err := Layout(root, k8sLib, operations); err != nil {
		return "", err
	}
	envLib, err := packageDir("environment", testEnvironmentLib)
	if err != nil {
		return "", err
	}
	if err := link(filepath.Join(envLib, testEnvironmentLib), filepath.Join(root, "lib", testEnvironmentLib)); err != nil {
		return "", err
	}
	envDir := filepath.Join(root, TestEnvironment)
	main := fmt.Sprintf(`// The e2e environment on Grafana's Mimir %s library (e2e/grafanalib).
(import '%s') + {
  _config+:: {
    namespace: '%s',
  },
}
`, m.Name, testEnvironmentLib, ns)
	return envDir, WriteEnvironment(envDir, main, ns)
}
