// This file holds the series limits a plan may multiply while series are
// held twice, and where Mimir reads each one.

package mimir

// RuntimeIngesterLimits is the runtime configuration's top-level key that
// overrides the ingesters' instance limits (pkg/mimir runtimeConfigValues
// IngesterLimits in Mimir's source), by their YAML names.
const RuntimeIngesterLimits = "ingester_limits"

// ScalableLimit is a limit that a plan multiplies, with every place Mimir
// reads it from (configuration reference,
// docs/sources/mimir/configure/configuration-parameters/index.md).
type ScalableLimit struct {
	// Flag is its CLI flag without the leading dash.
	Flag string
	// Override is its YAML name in a tenant's RuntimeOverrides, "" when it
	// is not a per-tenant limit.
	Override string
	// IngesterLimit is its YAML name under RuntimeIngesterLimits, "" when it
	// is not an instance limit.
	IngesterLimit string
	// Config is its dotted path in Mimir's configuration file
	// ("limits.max_global_series_per_user").
	Config string
	// Default is Mimir's default; 0 means no limit, which needs no scaling.
	Default float64
}

// ScalableLimits are the series limits the zone-aware migration doubles
// (Mimir's guide "Migrate from single zone to zone-aware replication"),
// keyed by Flag.
var ScalableLimits = map[string]ScalableLimit{
	"ingester.max-global-series-per-user":   {Flag: "ingester.max-global-series-per-user", Override: "max_global_series_per_user", Config: "limits.max_global_series_per_user", Default: 150000},
	"ingester.max-global-series-per-metric": {Flag: "ingester.max-global-series-per-metric", Override: "max_global_series_per_metric", Config: "limits.max_global_series_per_metric"},
	"ingester.instance-limits.max-series":   {Flag: "ingester.instance-limits.max-series", IngesterLimit: "max_series", Config: "ingester.instance_limits.max_series"},
}
