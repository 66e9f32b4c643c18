// This file holds the configuration keys mimirctl reads from components'
// /config (YAML paths of Mimir's configuration reference) and where Grafana's
// jsonnet keeps the runtime configuration.

package mimir

// Configuration keys read from each component's /config.
const (
	KeyQueryStoreAfter = "querier.query_store_after"
	// KeyQueryIngestersWithin is the per-tenant limit's default (Mimir 2.9
	// and 3.x set it with -querier.query-ingesters-within).
	KeyQueryIngestersWithin = "limits." + LimitQueryIngestersWithin
	// KeyQuerierQueryIngestersWithin is where older Mimir versions keep it;
	// read only when the pods have no KeyQueryIngestersWithin.
	KeyQuerierQueryIngestersWithin = "querier.query_ingesters_within"
	KeySyncInterval                = "blocks_storage.bucket_store.sync_interval"
	// KeyIgnoreBlocksWithin: store-gateways do not load blocks whose
	// minimum time is younger than this (default 10h; grafana/mimir#3843).
	KeyIgnoreBlocksWithin = "blocks_storage.bucket_store.ignore_blocks_within"
	KeyCleanupInterval    = "compactor.cleanup_interval"
	KeyBlockRanges        = "blocks_storage.tsdb.block_ranges_period"
	KeyShipInterval       = "blocks_storage.tsdb.ship_interval"
	KeyHeadCompactIdle    = "blocks_storage.tsdb.head_compaction_idle_timeout"
	KeyHeadCompactEvery   = "blocks_storage.tsdb.head_compaction_interval"
	// KeyMaxSeries is the per-ingester limit on in-memory series
	// (-ingester.instance-limits.max-series; 0 means no limit).
	KeyMaxSeries = "ingester.instance_limits.max_series"
)

// Mimir's runtime configuration as Grafana's jsonnet deploys it
// (operations/mimir/config.libsonnet).
const (
	// RuntimeConfigMap is the ConfigMap holding the runtime configuration.
	RuntimeConfigMap = "overrides"
	// RuntimeConfigKey is its data key.
	RuntimeConfigKey = "overrides.yaml"
)

// Mimir's runtime configuration file, as /runtime_config answers it
// (docs/sources/mimir/configure/about-runtime-configuration.md; pkg/mimir's
// runtimeConfigValues in Mimir's source).
const (
	// RuntimeOverrides is the top-level key that maps each tenant ID to the
	// limits it overrides, by their YAML names in the limits block.
	RuntimeOverrides = "overrides"
	// LimitQueryIngestersWithin is the YAML name of the
	// query_ingesters_within limit in the limits block and in a tenant's
	// RuntimeOverrides (a duration such as "13h").
	LimitQueryIngestersWithin = "query_ingesters_within"
)

// The multi KV store's settings (dskit kv.Config and kv.MultiRuntimeConfig;
// docs/sources/mimir/configure/configure-hash-rings.md).
const (
	// RuntimeMultiKVConfig is the runtime configuration's top-level key that
	// overrides the primary ("primary") and the mirroring ("mirror_enabled")
	// of every ring's multi KV client.
	RuntimeMultiKVConfig = "multi_kv_config"
	// KeyKVStore names a KV client's block in /config, under its ring
	// ("ingester.ring.kvstore"); its keys are "store" and, for the multi
	// store, "multi" with "primary", "secondary" and "mirror_enabled".
	KeyKVStore = "kvstore"
	// KeyHATracker holds the HA tracker's KV client
	// ("distributor.ha_tracker.kvstore"), which does not follow
	// RuntimeMultiKVConfig.
	KeyHATracker = "distributor.ha_tracker"
)
