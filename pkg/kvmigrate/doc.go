// Package kvmigrate holds the KV-store migration domain of Grafana Mimir:
// the runtime-configuration action that drives a multi KV store, the guard
// that refuses to tear it down while a ring client still runs it, and the
// gates that judge memberlist membership and HA-tracker agreement.
package kvmigrate
