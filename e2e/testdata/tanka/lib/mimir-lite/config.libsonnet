// The knobs of mimir-lite. Names and meanings follow Grafana Mimir's jsonnet
// (operations/mimir) wherever it has a knob for the same thing, because
// mimirctl's plans set exactly those; the defaults are sized for a 2-core
// test machine and test-length waits. mimirctl reads the effective values
// back from each pod's /config, never from here.
{
  _images:: {
    mimir: 'grafana/mimir:2.9.0',
    // One image per component, like the real library, so that an upgrade
    // can roll one component at a time.
    distributor: self.mimir,
    ingester: self.mimir,
    querier: self.mimir,
    query_frontend: self.mimir,
    query_scheduler: self.mimir,
    store_gateway: self.mimir,
    compactor: self.mimir,
    ruler: self.mimir,
    overrides_exporter: self.mimir,
    mimir_write: self.mimir,
    mimir_read: self.mimir,
    mimir_backend: self.mimir,
    consul: 'hashicorp/consul:1.16.1',
    etcd: 'quay.io/coreos/etcd:v3.6.4',
  },

  _config:: {
    namespace: error 'mimir-lite: set _config.namespace',
    cluster_domain: 'cluster.local',
    // Render a Namespace object (the real library never does; test
    // environments do, so that `tk apply` works on an empty cluster).
    create_namespace: false,

    // 'microservices', 'migration' (both sets of objects) or 'read-write'.
    deployment_mode: 'microservices',
    is_microservices_deployment_mode: std.member(['microservices', 'migration'], $._config.deployment_mode),
    is_read_write_deployment_mode: std.member(['read-write', 'migration'], $._config.deployment_mode),

    // Flags differ between Mimir 2 and 3 (e.g. the querier ring of 3.x).
    // null reads the major version from each component's image tag
    // (grafana/mimir:X.Y.Z); set it for images tagged otherwise.
    mimir_major_version: null,

    replication_factor: 3,
    store_gateway_replication_factor: 3,

    // Microservices replicas: one each, to spare CPU.
    distributor_replicas: 1,
    querier_replicas: 1,
    query_frontend_replicas: 1,
    query_scheduler_replicas: 1,
    ruler_replicas: 1,
    compactor_replicas: 1,
    overrides_exporter_replicas: 1,
    ruler_querier_replicas: 1,
    ruler_query_frontend_replicas: 1,
    ruler_query_scheduler_replicas: 1,
    // Without zone awareness: plain `ingester` and `store-gateway`
    // StatefulSets, enough replicas for the replication factor.
    ingester_replicas: 3,
    store_gateway_replicas: 3,

    // Zone awareness: three StatefulSets per component, zone-a/b/c, each
    // with ceil(replicas / 3) pods.
    multi_zone_ingester_enabled: false,
    multi_zone_ingester_replicas: 3,
    multi_zone_ingester_max_unavailable: 50,
    multi_zone_store_gateway_enabled: false,
    multi_zone_store_gateway_replicas: 3,
    multi_zone_store_gateway_max_unavailable: 50,
    // Pods of zone-x require nodes with this label set to zone-x; null
    // drops the node affinity (the real library's default matchers are
    // empty, its anti-affinity is what spreads zones).
    multi_zone_node_label: 'topology.kubernetes.io/zone',
    // The real library uses OnDelete and leaves rollouts to Grafana's
    // rollout-operator (label rollout-group, annotation
    // rollout-max-unavailable). The local test cluster has no
    // rollout-operator, so zone StatefulSets roll themselves by default.
    multi_zone_update_strategy: 'RollingUpdate',

    // Read-write mode (Mimir 2.x only: Mimir 3.0 removed the targets).
    mimir_write_replicas: 3,
    mimir_write_max_unavailable: 25,
    mimir_read_replicas: 1,
    mimir_backend_replicas: 3,
    mimir_backend_max_unavailable: 10,

    // Autoscaling renders an HPA and drops the Deployment's replicas.
    autoscaling_querier_enabled: false,
    autoscaling_querier_min_replicas: 1,
    autoscaling_querier_max_replicas: 3,
    autoscaling_ruler_querier_enabled: false,
    autoscaling_ruler_querier_min_replicas: 1,
    autoscaling_ruler_querier_max_replicas: 3,
    autoscaling_mimir_read_enabled: false,
    autoscaling_mimir_read_min_replicas: error 'please set autoscaling_mimir_read_min_replicas',
    autoscaling_mimir_read_max_replicas: error 'please set autoscaling_mimir_read_max_replicas',

    ruler_enabled: true,
    ruler_remote_evaluation_enabled: false,
    // The overrides-exporter is part of mimir-backend in read-write mode.
    overrides_exporter_enabled: $._config.deployment_mode != 'read-write',
    overrides_exporter_ring_enabled: $._config.is_read_write_deployment_mode,
    compactor_max_concurrency: 1,

    // 'dns' or 'ring'; read-write mode always discovers query-schedulers
    // through their ring.
    query_scheduler_service_discovery_mode: if $._config.is_read_write_deployment_mode then 'ring' else 'dns',

    // Hash ring KV store (memberlist.libsonnet of the real library).
    memberlist_ring_enabled: true,
    memberlist_cluster_label: '',
    memberlist_cluster_label_verification_disabled: false,
    multikv_migration_enabled: false,
    multikv_migration_teardown: false,
    multikv_switch_primary_secondary: false,
    multikv_mirror_enabled: false,
    multikv_primary: 'consul',
    multikv_secondary: 'memberlist',
    // The runtime part of a multi KV migration, written to overrides.yaml:
    // switching the primary or mirroring needs no rollout. Teardown keeps it
    // while pods roll to plain memberlist, so that pods not yet rolled keep
    // the switched primary.
    multi_kv_config:
      if !$._config.multikv_migration_enabled && !$._config.multikv_migration_teardown then {}
      else {
        primary: if $._config.multikv_switch_primary_secondary then $._config.multikv_secondary else $._config.multikv_primary,
        mirror_enabled: $._config.multikv_mirror_enabled,
      },
    // Derived, for reading: the store every ring uses.
    ring_kvstore:
      if !$._config.memberlist_ring_enabled then 'consul'
      else if $._config.multikv_migration_enabled then 'multi'
      else 'memberlist',

    // HA tracker (deduplication of HA Prometheus pairs). Its KV store is
    // set by flags only: Mimir 3.0.5 does not apply multi_kv_config to it,
    // so every step of its migration is a distributor rollout.
    ha_tracker_enabled: false,
    ha_tracker_kvstore: 'memberlist',  // 'consul', 'etcd', 'memberlist' or 'multi'
    ha_tracker_multikv_primary: 'etcd',
    ha_tracker_multikv_secondary: 'memberlist',
    ha_tracker_multikv_mirror_enabled: false,
    ha_tracker_prefix: 'prom_ha/',
    ha_tracker_stores::
      if !$._config.ha_tracker_enabled then []
      else if $._config.ha_tracker_kvstore == 'multi' then [$._config.ha_tracker_multikv_primary, $._config.ha_tracker_multikv_secondary]
      else [$._config.ha_tracker_kvstore],

    // Consul and etcd run when something uses them; set true to keep one
    // after a migration away from it.
    consul_enabled:
      $._config.ring_kvstore == 'consul' ||
      ($._config.ring_kvstore == 'multi' && std.member([$._config.multikv_primary, $._config.multikv_secondary], 'consul')) ||
      std.member($._config.ha_tracker_stores, 'consul'),
    etcd_enabled:
      ($._config.ring_kvstore == 'multi' && std.member([$._config.multikv_primary, $._config.multikv_secondary], 'etcd')) ||
      std.member($._config.ha_tracker_stores, 'etcd'),
    consul_address: 'consul.%(namespace)s.svc.%(cluster_domain)s:8500' % $._config,
    etcd_address: 'etcd.%(namespace)s.svc.%(cluster_domain)s:2379' % $._config,

    // Object storage: a filesystem bucket on a hostPath directory that
    // every pod shares. The local cluster keeps hostPath volumes under its
    // state directory, and down removes it.
    storage_host_path: '/tmp/mctl-localcluster/object-storage/%(namespace)s' % $._config,
    storage_mount_path: '/object-storage',

    // Runtime configuration: ConfigMap `overrides`, key `overrides.yaml`.
    overrides_configmap: 'overrides',
    overrides_configmap_mountpoint: '/etc/mimir',
    runtime_config_reload_period: '5s',
    overrides: {},  // per-tenant limits

    // Test-sized waits. The documented scale-down wait is
    // max(query_store_after, 2 × sync interval, 2 × cleanup interval).
    query_store_after: '1m',
    bucket_store_sync_interval: '15s',
    compactor_cleanup_interval: '15s',
    bucket_store_ignore_blocks_within: '0s',
    metadata_cache_ttl: '1m',
    tsdb_ship_interval: '15s',
    // Long-term data within minutes (null: Mimir's defaults, 13h and 2h,
    // flags not rendered). With query_ingesters_within '6m' and
    // tsdb_block_ranges_period '1m', queriers ask only the store-gateways
    // for data older than 6m, and ingesters ship a block every minute
    // (cut after 1.5 block ranges, shipped within ship_interval, seen by
    // store-gateways and queriers within about two more minutes); see
    // e2e/scenario.LongTermData.
    query_ingesters_within: null,
    tsdb_block_ranges_period: null,
    tsdb_head_compaction_interval: '15s',
    ingester_ring_min_ready_duration: '5s',
    ring_heartbeat_period: '5s',
    ring_heartbeat_timeout: '1m',
    unregister_ingesters_on_shutdown: true,
    termination_grace_period_seconds: 60,

    // Small volumes and requests: the local cluster does not enforce them.
    ingester_data_disk_size: '1Gi',
    store_gateway_data_disk_size: '1Gi',
    compactor_data_disk_size: '1Gi',
    mimir_write_data_disk_size: '1Gi',
    mimir_backend_data_disk_size: '1Gi',
    // null omits storageClassName (the cluster's default class).
    data_disk_class: null,
    container_requests: { cpu: '50m', memory: '64Mi' },
  },
}
