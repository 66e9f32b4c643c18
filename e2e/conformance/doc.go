// Package conformance renders Grafana's own Mimir jsonnet test environments
// (operations/mimir-tests/test-*.jsonnet of the github.com/grafana/mimir Go
// module, at each Mimir version mimirctl supports) with mimirctl's Tanka
// renderer, pkg/tanka, and compares every object with the
// test-*-generated.yaml Grafana produced from the same file with `tk show`.
//
// The library's dependencies that the Go module proxy does not serve are
// written here (testdata/compat) or generated (k8sgen, from the Kubernetes
// OpenAPI document in the k8s.io/kubernetes module); the comparison is the
// proof that they behave like the originals. The test carries the build tag
// `conformance`; run it with `make conformance`. README.md lists which
// environments differ and why.
package conformance
