// Package conformance renders Grafana's own Mimir jsonnet test environments
// (operations/mimir-tests/test-*.jsonnet of the github.com/grafana/mimir Go
// module, at each Mimir version mimirctl supports) with mimirctl's Tanka
// renderer, pkg/tanka, and compares every object with the
// test-*-generated.yaml Grafana produced from the same file with `tk show`.
//
// The Tanka project is laid out by e2e/grafanalib. The library's
// dependencies that the Go module proxy does not serve are written there
// (e2e/grafanalib/compat) or generated (k8sgen, from the Kubernetes OpenAPI
// document in the k8s.io/kubernetes module); the comparison is the proof
// that they behave like the originals.
//
// On the same projects, TestBuiltinPlansAgainstGrafanasLibrary replays every
// built-in plan step by step, through the overlay a run writes, on the
// Grafana test environment it starts from, and holds each step's render to
// what the step claims (plans_test.go).
//
// The tests carry the build tag `conformance`; run them with
// `make conformance` (part of `make test`). README.md lists which
// environments differ and why.
package conformance
