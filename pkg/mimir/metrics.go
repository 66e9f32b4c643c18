// This file holds the metric names gates and procedures read.

package mimir

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
	MetricQuerierRequestDuration = "cortex_querier_request_duration_seconds"
	MetricQueryFrontendQueries   = "cortex_query_frontend_queries_total"
	MetricRequestDuration        = "cortex_request_duration_seconds"
)

// Ingester metrics the zone shutdown and head-compaction procedures read
// (Mimir 2.x and 3.x name them alike).
const (
	MetricOldestUnshippedBlock = "cortex_ingester_oldest_unshipped_block_timestamp_seconds"
	MetricUploadFailures       = "cortex_ingester_shipper_upload_failures_total"
	MetricUploads              = "cortex_ingester_shipper_uploads_total"
	MetricCompactions          = "cortex_ingester_tsdb_compactions_total"
	MetricMemoryUsers          = "cortex_ingester_memory_users"
	// MetricMemorySeries is the number of series in an ingester's TSDB heads.
	MetricMemorySeries = "cortex_ingester_memory_series"
	// MetricProcessStart tells a restarted process (whose counters start
	// again from 0) from the one a baseline was read from.
	MetricProcessStart = "process_start_time_seconds"
)
