// This file holds Mimir's HTTP endpoint paths and the headers and bodies of
// their answers.

package mimir

import "strings"

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
	// PathShutdown makes an ingester flush its TSDB heads, ship the blocks
	// and leave its ring, then stop its ingester service.
	PathShutdown = "/ingester/shutdown"
	// PathFlushWait flushes an ingester's TSDB heads and answers when the
	// blocks are shipped.
	PathFlushWait = "/ingester/flush?wait=true"
)

// Prometheus HTTP API paths, below the Prometheus HTTP prefix
// (-http.prometheus-http-prefix, default "/prometheus"), served by
// queriers, query-frontends and read-mode pods
// (docs/sources/mimir/references/http-api/index.md, "Querier /
// Query-frontend"). Both answer Prometheus' envelope
// {"status":"success","data":...}.
const (
	// PathLabelValues answers the values of the label {name} that have
	// samples between the parameters start and end (Unix seconds): data is
	// a list of strings. It is the route as Mimir registers it (pkg/api);
	// LabelValuesPath fills in the label.
	PathLabelValues = "/api/v1/label/{name}/values"
	// PathQueryRange evaluates the PromQL expression query from start to
	// end every step (seconds): data is {"resultType":"matrix","result":[...]}.
	PathQueryRange = "/api/v1/query_range"
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

// LabelValuesPath is PathLabelValues for label, e.g. "__name__" for the
// metric names.
func LabelValuesPath(label string) string {
	return strings.Replace(PathLabelValues, "{name}", label, 1)
}
