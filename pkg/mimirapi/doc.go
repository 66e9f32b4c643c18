// Package mimirapi reads what Grafana Mimir's HTTP endpoints say about a
// running cluster: build info and versions, readiness, configuration,
// runtime configuration, the memberlist KV store and the HA tracker. It also
// holds the gates built on them (version, ready, config, memberlist keys,
// HA-tracker agreement). The endpoint paths, headers and metric names it
// uses are in package mimir, the one home of Mimir facts.
package mimirapi
