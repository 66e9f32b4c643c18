// Package archtest holds checks of the module's structure that run with the
// unit tests (make unit, go test ./...). It has no code of its own.
//
// imports_test.go loads the package graph with `go list -json ./...` (with
// and without the integration,e2e,capture,conformance build tags) and checks
// it against a layer table, top to bottom:
//
//	cmd/..., deploy             commands (main); deploy's manifest tests,
//	                            which parse the Jobs' arguments with pkg/cli
//	pkg/cli                     command line
//	pkg/mimirctl                library: the commands' operations as Go functions
//	pkg/mimirctl/progress       library: run progress printed for people
//	pkg/engine                  registers step kinds, binds them, runs preflight
//	pkg/ingestershutdown, pkg/ringcheck, pkg/promgate, pkg/podmetrics,
//	pkg/storequery, pkg/mimirapi, pkg/kvmigrate, pkg/envchange,
//	pkg/workloads, pkg/podhttp  Mimir domain: gates and actions
//	pkg/gate                    the gate framework the domain packages share
//	pkg/kube, pkg/plan          Kubernetes access; step files, executor, state
//	pkg/mimir, pkg/tanka, pkg/helmenv, pkg/diff, pkg/podaccess,
//	pkg/duration, pkg/verdict, pkg/invocation,
//	plans                       leaves (pkg/mimir: facts about Mimir)
//
// A package may import packages of its own layer and of the layers below,
// never one above (Go already refuses import cycles; the layers keep the
// direction). In-package test files count as the package; external test
// packages (package x_test) sit above every layer and may import anything.
// Test helper packages (pkg/internal/..., pkg/gate/gatetest,
// pkg/plan/plantest, internal/...)
// may import anything that is in or below the layer of every package whose
// tests use them; product code must not import them.
//
// Every package of the module must be in the table: a new package fails the
// check until it is placed. To place one, add its path (relative to the
// module, "dir/..." for a directory and all below it) to the layer it
// belongs to in the layers variable of imports_test.go, or add a new layer
// at its position, or list it in testHelpers when only tests use it. The
// e2e/ tree (suite, local cluster, conformance) is outside the check.
package archtest
