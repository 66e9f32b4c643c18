// A tiny stand-in for the Mimir jsonnet library: the same knobs and object
// names as operations/mimir for the read-write migration, few fields each.
local k = import 'k/k.libsonnet';

{
  _config+:: {
    image: 'grafana/mimir:2.9.0',
    deployment_mode: 'microservices',
    is_microservices_deployment_mode: self.deployment_mode == 'microservices' || self.deployment_mode == 'migration',
    is_read_write_deployment_mode: self.deployment_mode == 'read-write' || self.deployment_mode == 'migration',
    distributor_replicas: 2,
    querier_replicas: 2,
    query_frontend_replicas: 1,
    multi_zone_ingester_replicas: 3,
    multi_zone_store_gateway_replicas: 3,
    mimir_write_replicas: 3,
    mimir_read_replicas: 2,
    mimir_backend_replicas: 3,
  },

  local container(target, args) =
    k.container.new(target, $._config.image, k.util.mapToFlags({ target: target } + args)),

  local ms(obj) = if $._config.is_microservices_deployment_mode then obj else null,
  local rw(obj) = if $._config.is_read_write_deployment_mode then obj else null,

  distributor_args:: { 'distributor.ring.store': 'memberlist' },
  querier_args:: { 'querier.query-store-after': '12h' },
  ingester_args:: { 'ingester.ring.replication-factor': 3 },
  store_gateway_args:: { 'store-gateway.sharding-ring.unregister-on-shutdown': false },
  mimir_backend_args:: self.store_gateway_args,

  distributor_deployment: ms(k.deployment.new('distributor', $._config.distributor_replicas,
                                              [container('distributor', $.distributor_args)])),
  querier_deployment: ms(k.deployment.new('querier', $._config.querier_replicas,
                                          [container('querier', $.querier_args)])),
  query_frontend_deployment: ms(k.deployment.new('query-frontend', $._config.query_frontend_replicas,
                                                 [container('query-frontend', {})])),
  ingester_zone_a_statefulset: ms(k.statefulSet.new('ingester-zone-a', std.ceil($._config.multi_zone_ingester_replicas / 3),
                                                    [container('ingester', $.ingester_args)], 'ingester')),
  store_gateway_zone_a_statefulset: ms(k.statefulSet.new('store-gateway-zone-a', std.ceil($._config.multi_zone_store_gateway_replicas / 3),
                                                         [container('store-gateway', $.store_gateway_args)], 'store-gateway')),

  mimir_write_zone_a_statefulset: rw(k.statefulSet.new('mimir-write-zone-a', std.ceil($._config.mimir_write_replicas / 3),
                                                       [container('write', $.ingester_args + $.distributor_args)], 'mimir-write')),
  mimir_read_deployment: rw(k.deployment.new('mimir-read', $._config.mimir_read_replicas, [container('read', $.querier_args)])),
  mimir_backend_zone_a_statefulset: rw(k.statefulSet.new('mimir-backend-zone-a', std.ceil($._config.mimir_backend_replicas / 3),
                                                         [container('backend', $.mimir_backend_args)], 'mimir-backend')),

  distributor_service: ms(k.service.new('distributor', 8080)),

  overrides_config: {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'overrides' },
    data: { 'overrides.yaml': std.manifestYamlDoc({ overrides: {} }) },
  },
}
