// Package mimir is the one home of facts about Grafana Mimir that the rest
// of mimirctl acts on: the HTTP paths its components serve and the headers
// and bodies of their answers (endpoints.go), the configuration keys read
// from /config (config.go), the metric names gates and procedures read
// (endpoints.go, metrics.go), the runtime configuration as Grafana's jsonnet
// deploys it, which workloads serve each ring in each deployment mode
// (rings.go), and which read-write workload takes over each microservice
// (workloads.go).
//
// Facts are taken from Mimir 2.9.0 and 3.0.5 processes (see
// ../mimirapi/testdata/README.md), from Mimir's sources and docs in the
// github.com/grafana/mimir module (pkg/api/api.go for the paths,
// operations/mimir for workload names) and from the team's research notes
// (shared/research/mimir-internals.md, outside this repository). The package imports nothing
// of mimirctl: every other package may import it.
package mimir
