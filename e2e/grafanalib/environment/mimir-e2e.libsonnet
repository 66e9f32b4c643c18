// The e2e environment on Grafana's Mimir jsonnet library (operations/mimir of
// github.com/grafana/mimir, Mimir 3.0.5): microservices mode, ingesters and
// store-gateways in three zones (OnDelete StatefulSets with rollout-group
// labels, as the library renders them), every ring on memberlist, blocks in
// the Versity S3 gateway this file adds, test-sized on top. The reasons for
// every setting are in e2e/grafanalib's package documentation (doc.go).
//
// main.jsonnet (grafanalib.WriteTestProject) sets _config.namespace.
local mimir = import 'mimir/mimir.libsonnet';

mimir {
  local config = self._config,

  // The local cluster runs bin/mimir3 (built from the 3.0.5 module) for
  // grafana/mimir:3.*; name the release it is. The library's default tag is
  // the next patch release.
  _images+:: {
    mimir: 'grafana/mimir:3.0.5',
    // The S3 gateway and the userland its init container runs.
    versitygw: 'versity/versitygw:v1.8.0',
    versitygw_init: 'busybox:1.36',
  },

  _config+:: {
    namespace: error 'main.jsonnet must set _config.namespace',
    external_url: 'http://mimir-e2e',

    // Microservices, ingesters and store-gateways in zones a, b and c, one
    // replica per zone; rings on memberlist (the library's default, said
    // here because the suite depends on it).
    multi_zone_ingester_enabled: true,
    multi_zone_ingester_replicas: 3,
    multi_zone_store_gateway_enabled: true,
    multi_zone_store_gateway_replicas: 3,
    memberlist_ring_enabled: true,

    // rollout-operator: grafana/rollout-operator cannot run on the local
    // cluster (no image, its Go module is not served here). The suite runs
    // a stand-in (e2e/rolloutoperatorfake) in-process and registers its own
    // webhooks, so the library renders neither the operator (Deployment,
    // ServiceAccount, Role, RoleBinding, PodDisruptionBudget) nor its
    // webhook configurations, certificate RBAC and Service. Its
    // ZoneAwarePodDisruptionBudgets need the operator's CRD and webhooks
    // (the library asserts so): the zones get the library's plain
    // PodDisruptionBudgets (maxUnavailable 1 per rollout group) instead.
    rollout_operator_enabled: false,
    rollout_operator_webhooks_enabled: false,
    multi_zone_ingester_zpdb_enabled: false,
    multi_zone_store_gateway_zpdb_enabled: false,

    // Object storage: the S3 gateway below, over plain HTTP.
    storage_backend: 's3',
    storage_s3_endpoint: 'versitygw.%(namespace)s.svc.%(cluster_domain)s:7070' % config,
    storage_s3_access_key_id: 'mimir-e2e',
    storage_s3_secret_access_key: 'mimir-e2e-secret',
    storageConfig+: { 'common.storage.s3.insecure': true },
    blocks_storage_bucket_name: 'mimir-blocks',
    // Used where the ruler or the alertmanager runs (the 2.x variant's
    // ruler, read-write mode's mimir-backend): buckets of their own, as
    // Mimir refuses to share the blocks bucket without prefixes.
    ruler_storage_bucket_name: 'mimir-ruler',
    alertmanager_storage_bucket_name: 'mimir-alertmanager',

    // Caches off: no memcached StatefulSets; queries read the bucket.
    cache_frontend_enabled: false,
    cache_index_queries_enabled: false,
    cache_chunks_enabled: false,
    cache_metadata_enabled: false,

    // Blocks reach the store-gateways within seconds: the compactor rewrites
    // the bucket index, and store-gateways reread it, every 15 s (the
    // library's knob sets both -compactor.cleanup-interval and
    // -blocks-storage.bucket-store.sync-interval; library: 15 m). Queriers
    // check their copy of the index every minute (±20%, fixed in Mimir) and
    // reread it when older than the sync interval. With the read-path
    // settings below, a zone shutdown waits max(query-store-after 1m,
    // ignore-blocks-within 0s + 2 × 15s, 2 × 15s) = 1m for the blocks it
    // shipped (library: 12 h or more); the other zones' ingesters still
    // answer for those samples meanwhile.
    compactor_cleanup_interval: '15s',

    // No anonymous usage reports from test clusters. The library's knob
    // only drops -usage-stats.installation-mode (Mimir reports by default):
    // its usageStatsConfig, which every component's args include, turns
    // reporting off.
    usage_stats_enabled: false,
    usageStatsConfig: { 'usage-stats.enabled': false },

    // Small volumes (the local cluster provisions a host directory for any
    // class).
    ingester_data_disk_size: '1Gi',
    store_gateway_data_disk_size: '1Gi',
    compactor_data_disk_size: '1Gi',
  },

  // Short waits: ring heartbeats every 5 s (library: 2 m for ingesters, 1 m
  // for store-gateways) so that ring pages show a restarted instance
  // within seconds, and an ingester counts as ready 5 s after joining the
  // ring (Mimir's default -ingester.ring.min-ready-duration is 15 s).
  // Ingesters ship a cut block within 15 s (library: 1 m); queriers ask
  // the store-gateways for data older than 1 m (Mimir: 12 h), which load
  // blocks of any age (Mimir: none younger than 10 h).
  ingester_args+:: {
    'ingester.ring.heartbeat-period': '5s',
    'ingester.ring.min-ready-duration': '5s',
    'blocks-storage.tsdb.ship-interval': '15s',
  },
  querier_args+:: {
    'querier.query-store-after': '1m',
  },
  // Short shutdown delays (library: 90 s each): a stopping distributor or
  // query-frontend (and mimir-write and mimir-read, which inherit their
  // args) reports not-ready and keeps serving for -shutdown-delay, longer
  // than its gRPC max-connection-age so that clients re-resolve the Service
  // before it stops. Every restart or removal of such a pod waited for it,
  // since mimirctl waits until the old pods are gone. The library's rule
  // stays at test size: the distributor's delay above its connection age,
  // the query-frontend's at 2 × its connection age + the cluster DNS's 5 s
  // TTL.
  distributor_args+:: {
    'shutdown-delay': '15s',
    'server.grpc.keepalive.max-connection-age': '10s',
  },
  query_frontend_args+:: {
    'shutdown-delay': '15s',
    'server.grpc.keepalive.max-connection-age': '5s',
  },

  // A store-gateway or compactor that joins its ring waits 10 s without a
  // ring change before it takes its share (library: 1 m): the read-write
  // plans bring store-gateways in one zone per step and gate each on the
  // zone's instances ACTIVE, so this wait is paid once per zone and step.
  store_gateway_args+:: {
    'store-gateway.sharding-ring.heartbeat-period': '5s',
    'store-gateway.sharding-ring.wait-stability-min-duration': '10s',
    'blocks-storage.bucket-store.ignore-blocks-within': '0s',
  },
  compactor_args+:: {
    'compactor.ring.wait-stability-min-duration': '10s',
  },

  // Small requests, one replica per Deployment: the local cluster runs every
  // pod as a process on 2 shared cores. The library's memory limits stay
  // (the local cluster does not enforce limits).
  local requests = $.util.resourcesRequests('50m', '64Mi'),
  distributor_container+:: requests,
  ingester_container+:: requests,
  querier_container+:: requests,
  query_frontend_container+:: requests,
  query_scheduler_container+:: requests,
  store_gateway_container+:: requests,
  compactor_container+:: requests,
  overrides_exporter_container+:: requests,

  // (Null in read-write mode, which the 2.x variant can be migrated to.)
  local oneReplica(d) = if d == null then null else d { spec+: { replicas: 1 } },
  distributor_deployment: oneReplica(super.distributor_deployment),
  querier_deployment: oneReplica(super.querier_deployment),
  query_frontend_deployment: oneReplica(super.query_frontend_deployment),
  query_scheduler_deployment: oneReplica(super.query_scheduler_deployment),

  // The Versity S3 gateway (posix backend) as Mimir's bucket store: one
  // replica on a PersistentVolumeClaim, so that blocks outlive a gateway
  // restart. The posix backend serves directories as buckets; the init
  // container creates Mimir's buckets. The local cluster runs bin/versitygw for
  // versity/versitygw:*, with the command given here (the image's own
  // entrypoint reads VGW_* variables instead).
  local versitygwLabels = { name: 'versitygw' },
  versitygw_pvc: {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: 'versitygw-data', namespace: config.namespace },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
  },
  versitygw_deployment: {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'versitygw', namespace: config.namespace },
    spec: {
      replicas: 1,
      // One pod at a time on the ReadWriteOnce claim.
      strategy: { type: 'Recreate' },
      selector: { matchLabels: versitygwLabels },
      template: {
        metadata: { labels: versitygwLabels },
        spec: {
          initContainers: [{
            name: 'create-bucket',
            image: $._images.versitygw_init,
            command: ['mkdir', '-p'] + [
              '/data/' + b
              for b in [config.blocks_storage_bucket_name, config.ruler_storage_bucket_name, config.alertmanager_storage_bucket_name]
            ],
            volumeMounts: [{ name: 'data', mountPath: '/data' }],
            resources: { requests: { cpu: '10m', memory: '16Mi' } },
          }],
          containers: [{
            name: 'versitygw',
            image: $._images.versitygw,
            command: ['versitygw', '--port', ':7070', 'posix', '/data'],
            env: [
              { name: 'ROOT_ACCESS_KEY', value: config.storage_s3_access_key_id },
              { name: 'ROOT_SECRET_KEY', value: config.storage_s3_secret_access_key },
            ],
            ports: [{ name: 's3', containerPort: 7070 }],
            readinessProbe: { tcpSocket: { port: 7070 } },
            volumeMounts: [{ name: 'data', mountPath: '/data' }],
            resources: { requests: { cpu: '50m', memory: '64Mi' } },
          }],
          volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'versitygw-data' } }],
        },
      },
    },
  },
  versitygw_service: {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'versitygw', namespace: config.namespace, labels: versitygwLabels },
    spec: { selector: versitygwLabels, ports: [{ name: 's3', port: 7070, targetPort: 7070 }] },
  },
}
