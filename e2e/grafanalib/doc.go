// Package grafanalib lays out Tanka projects around Grafana's Mimir jsonnet
// library (operations/mimir of the github.com/grafana/mimir Go module) the
// way Grafana's operations/mimir-tests/build.sh does, from local sources
// only: the module from the Go module cache, a generated k8s-libsonnet
// subset (e2e/conformance/k8sgen) and compat libraries written here
// (compat/) for the dependencies the Go module proxy does not serve.
//
// The conformance harness (e2e/conformance) renders Grafana's own test
// environments in such projects.
package grafanalib
