// Flag groups several components share: server and runtime config, the
// shared filesystem bucket, the test-sized waits of the read path, and what
// readers of the ingester and store-gateway rings need.
{
  local c = $._config,

  mimirConfig:: {
    common:: {
      'auth.multitenancy-enabled': true,
      'server.http-listen-port': $.util.httpPort,
      'server.grpc-listen-port': $.util.grpcPort,
      'runtime-config.file': '%s/overrides.yaml' % c.overrides_configmap_mountpoint,
      'runtime-config.reload-period': c.runtime_config_reload_period,
      // No phoning home from test clusters.
      'usage-stats.enabled': false,
    },

    // One directory per store: Mimir refuses a ruler or alertmanager
    // bucket that overlaps the blocks bucket.
    storage:: {
      'common.storage.backend': 'filesystem',
      'blocks-storage.filesystem.dir': '%s/blocks' % c.storage_mount_path,
      'ruler-storage.filesystem.dir': '%s/ruler' % c.storage_mount_path,
      'alertmanager-storage.filesystem.dir': '%s/alertmanager' % c.storage_mount_path,
    },

    // How fast new blocks become visible to queriers, rulers and
    // store-gateways. The metadata cache TTLs only matter with a cache
    // backend; they are set so /config shows the documented temporary
    // values.
    bucketStore:: {
      'blocks-storage.bucket-store.sync-interval': c.bucket_store_sync_interval,
      'blocks-storage.bucket-store.ignore-blocks-within': c.bucket_store_ignore_blocks_within,
      'blocks-storage.bucket-store.metadata-cache.bucket-index-content-ttl': c.metadata_cache_ttl,
      'blocks-storage.bucket-store.metadata-cache.tenants-list-ttl': c.metadata_cache_ttl,
      'blocks-storage.bucket-store.metadata-cache.tenant-blocks-list-ttl': c.metadata_cache_ttl,
      'blocks-storage.bucket-store.metadata-cache.metafile-doesnt-exist-ttl': c.metadata_cache_ttl,
    },

    // Queriers and rulers: ingesters answer for recent data, the store
    // for anything older than query_store_after.
    query:: $.mimirConfig.bucketStore + {
      'querier.query-store-after': c.query_store_after,
      // A per-tenant limit (limits.query_ingesters_within in /config).
      'querier.query-ingesters-within': c.query_ingesters_within,
    },

    ingesterRingClient:: $.kv.ringClient('ingester.ring') + {
      'ingester.ring.replication-factor': c.replication_factor,
      'ingester.ring.zone-awareness-enabled': c.multi_zone_ingester_enabled,
    },

    // Zone-aware store-gateways use their own key, as in the real
    // library, so single-zone and multi-zone rings can coexist.
    storeGatewayRingClient::
      $.kv.ringClient('store-gateway.sharding-ring', if c.multi_zone_store_gateway_enabled then 'multi-zone/' else null) + {
        'store-gateway.sharding-ring.replication-factor': c.store_gateway_replication_factor,
        'store-gateway.sharding-ring.zone-awareness-enabled': c.multi_zone_store_gateway_enabled,
      },

    // How query-frontends (frontend=true) and queriers find the
    // query-schedulers called scheduler: its discovery Service, or its ring
    // under keyPrefix (null: Mimir's default).
    querySchedulerClient(scheduler, keyPrefix, frontend)::
      if c.query_scheduler_service_discovery_mode == 'ring' then
        $.kv.ringClient('query-scheduler.ring', keyPrefix) + { 'query-scheduler.service-discovery-mode': 'ring' }
      else {
        [if frontend then 'query-frontend.scheduler-address' else 'querier.scheduler-address']:
          '%s-discovery.%s.svc.%s:%d' % [scheduler, c.namespace, c.cluster_domain, $.util.grpcPort],
      },
  },
}
