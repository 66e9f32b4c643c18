package ingestershutdown

// Configuration keys read from each component's /config (YAML paths).
const (
	KeyQueryStoreAfter = "querier.query_store_after"
	KeySyncInterval    = "blocks_storage.bucket_store.sync_interval"
	// KeyIgnoreBlocksWithin: store-gateways do not load blocks whose
	// minimum time is younger than this (default 10h; grafana/mimir#3843).
	KeyIgnoreBlocksWithin = "blocks_storage.bucket_store.ignore_blocks_within"
	KeyCleanupInterval    = "compactor.cleanup_interval"
	KeyBlockRanges        = "blocks_storage.tsdb.block_ranges_period"
	KeyShipInterval       = "blocks_storage.tsdb.ship_interval"
	KeyHeadCompactIdle    = "blocks_storage.tsdb.head_compaction_idle_timeout"
	KeyHeadCompactEvery   = "blocks_storage.tsdb.head_compaction_interval"
)

// Ingester metrics the procedure reads (Mimir 2.x and 3.x name them alike).
const (
	MetricOldestUnshipped = "cortex_ingester_oldest_unshipped_block_timestamp_seconds"
	MetricUploadFailures  = "cortex_ingester_shipper_upload_failures_total"
	MetricUploads         = "cortex_ingester_shipper_uploads_total"
	MetricCompactions     = "cortex_ingester_tsdb_compactions_total"
	MetricMemoryUsers     = "cortex_ingester_memory_users"
	// MetricProcessStart tells a restarted process (whose counters start
	// again from 0) from the one a baseline was read from.
	MetricProcessStart = "process_start_time_seconds"
)

// Ingester endpoints.
const (
	PathPrepareRingDownscale = "/ingester/prepare-instance-ring-downscale"
	PathShutdown             = "/ingester/shutdown"
	PathFlushWait            = "/ingester/flush?wait=true"
	PathReady                = "/ready"
	PathIngesterRing         = "/ingester/ring"
)

// Annotations mimirctl writes on a zone's StatefulSet when it shuts it down,
// so that a later run (or a colleague) knows when the next zone may follow.
const (
	AnnotationShutdownAt  = "mimirctl.dev/zone-shutdown-at"
	AnnotationQueryableAt = "mimirctl.dev/blocks-queryable-at"
)

// queryablePending is AnnotationQueryableAt's value from the scale-down
// until the run records the time: a zone in that state is not done, and no
// other zone may follow it.
const queryablePending = "pending"

// terminatedServiceFragment is how /ready names an ingester stopped by
// /ingester/shutdown (seen on Mimir 2.9.0 and 3.0.5); stoppingFragment is
// how it counts services still stopping (dskit's /ready lists states).
const (
	terminatedServiceFragment = "ingester-service: Terminated"
	stoppingFragment          = "Stopping:"
)
