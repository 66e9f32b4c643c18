// Package mimirapi reads what Grafana Mimir's HTTP endpoints say about a
// running cluster: build info and versions, readiness, configuration,
// runtime configuration, the memberlist KV store and the HA tracker. It also
// holds the gates built on them (version, ready, config, memberlist keys,
// HA-tracker agreement).
//
// This file is the one documented place for Mimir endpoint paths, the
// headers they need and the metric names gates refer to. Facts are taken from
// Mimir 2.9.0 and 3.0.5 processes (see testdata/README.md) and from
// ../../../shared/research/mimir-internals.md.
package mimirapi

// HTTP paths served by every Mimir component unless noted.
const (
	// PathReady answers 200 "ready" when every module is running, else 503
	// with the reason (e.g. "Ingester not ready: ...").
	PathReady = "/ready"
	// PathBuildInfo answers {"status":"success","data":{"version":...}}.
	PathBuildInfo = "/api/v1/status/buildinfo"
	// PathConfig answers the effective configuration as YAML, secrets masked.
	PathConfig = "/config"
	// PathRuntimeConfig answers the runtime configuration file as YAML, or the
	// text "runtime config file doesn't exist" when none is configured.
	PathRuntimeConfig = "/runtime_config"
	// PathMemberlist answers the memberlist KV status (JSON with AcceptJSON),
	// or the text NoMemberlistBody.
	PathMemberlist = "/memberlist"
	// PathHATracker is served by distributors with the HA tracker enabled
	// (JSON with AcceptJSON).
	PathHATracker = "/distributor/ha_tracker"
	// PathMetrics is the Prometheus text exposition.
	PathMetrics = "/metrics"
	// PathPrepareRingDownscale exists on ingesters since Mimir 2.14; older
	// builds answer 404. Used for feature detection.
	PathPrepareRingDownscale = "/ingester/prepare-instance-ring-downscale"
)

// Ring pages by ring name, as registered by Mimir's API (pkg/api/api.go).
// A component that does not hold a ring answers 404 "404 page not found".
const (
	PathIngesterRing          = "/ingester/ring"
	PathDistributorRing       = "/distributor/ring"
	PathStoreGatewayRing      = "/store-gateway/ring"
	PathCompactorRing         = "/compactor/ring"
	PathRulerRing             = "/ruler/ring"
	PathQuerySchedulerRing    = "/query-scheduler/ring"
	PathOverridesExporterRing = "/overrides-exporter/ring"
	PathAlertmanagerRing      = "/multitenant_alertmanager/ring"
	PathQuerierRing           = "/querier/ring"
)

// RingPaths maps the ring names step files use to their pages.
var RingPaths = map[string]string{
	"ingester":           PathIngesterRing,
	"distributor":        PathDistributorRing,
	"store-gateway":      PathStoreGatewayRing,
	"compactor":          PathCompactorRing,
	"ruler":              PathRulerRing,
	"query-scheduler":    PathQuerySchedulerRing,
	"overrides-exporter": PathOverridesExporterRing,
	"alertmanager":       PathAlertmanagerRing,
	"querier":            PathQuerierRing,
}

// Request and response details.
const (
	// AcceptJSON makes ring, memberlist and HA-tracker pages answer JSON
	// (they match on the substring "application/json").
	AcceptJSON = "application/json"
	// TenantHeader carries the tenant on Mimir's query and write APIs.
	TenantHeader = "X-Scope-OrgID"
	// ReadyBody is the body of a 200 from PathReady.
	ReadyBody = "ready"
	// NoMemberlistBody is PathMemberlist's answer on an instance without
	// memberlist.
	NoMemberlistBody = "This instance doesn't use memberlist."
	// NoRuntimeConfigBody is PathRuntimeConfig's answer without
	// -runtime-config.file.
	NoRuntimeConfigBody = "runtime config file doesn't exist"
	// UnknownVersion is what an unstamped build reports as its version.
	UnknownVersion = "unknown"
)

// Metric names gates and example step files refer to. Mimir prefixes dskit's
// KV and ring metrics with "cortex_"; kv_name is "<ring>-lifecycler",
// "<ring>-ring" or "distributor-hatracker".
const (
	MetricBuildInfo              = "cortex_build_info"
	MetricMultiKVPrimaryStore    = "cortex_multikv_primary_store"
	MetricMultiKVMirrorEnabled   = "cortex_multikv_mirror_enabled"
	MetricMultiKVMirrorWrites    = "cortex_multikv_mirror_writes_total"
	MetricMultiKVMirrorErrors    = "cortex_multikv_mirror_write_errors_total"
	MetricRingMembers            = "cortex_ring_members"
	MetricLifecyclerReadOnly     = "cortex_lifecycler_read_only"
	MetricMemberlistMembers      = "memberlist_client_cluster_members_count"
	MetricOldestUnshippedBlock   = "cortex_ingester_oldest_unshipped_block_timestamp_seconds"
	MetricQuerierRequestDuration = "cortex_querier_request_duration_seconds"
	MetricQueryFrontendQueries   = "cortex_query_frontend_queries_total"
	MetricRequestDuration        = "cortex_request_duration_seconds"
)
