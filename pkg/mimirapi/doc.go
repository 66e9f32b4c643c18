// Package mimirapi reads what Grafana Mimir's HTTP endpoints say about a
// running cluster: build info and versions, readiness, configuration,
// runtime configuration, the memberlist KV store and the HA tracker. It also
// holds the gates built on the first ones (version, ready, config); the
// memberlist and HA-tracker gates, which judge a KV-store migration, are in
// package kvmigrate. The endpoint paths, headers and metric names it
// uses are in package mimir, the one home of Mimir facts.
package mimirapi
