// mimir-backend (-target=backend: store-gateway, compactor, ruler,
// query-scheduler, overrides-exporter, alertmanager), one StatefulSet per
// zone, mimir-backend-zone-a/b/c, each with ceil(mimir_backend_replicas / 3)
// pods. They join the store-gateway ('multi-zone/' key), compactor, ruler
// and query-scheduler rings next to the microservices.
{
  local c = $._config,
  local enabled = c.is_read_write_deployment_mode,

  // Built from the microservices' args, so an override of
  // store_gateway_args reaches mimir-backend too unless mimir_backend_args
  // overrides it again (step 5 of the read-write migration does).
  mimir_backend_args::
    $.compactor_args +
    $.overrides_exporter_args +
    $.query_scheduler_args +
    $.ruler_args +
    $.store_gateway_args +
    $.kv.ringClient('alertmanager.sharding-ring') + $.kv.ringMember('alertmanager.sharding-ring') +
    {
      target: 'backend',
      // /data/tsdb and /data/tokens belong to the store-gateway.
      'compactor.data-dir': '/data/compactor',
      'alertmanager.storage.path': '/data/alertmanager',
      // The ruler evaluates through mimir-read.
      'ruler.query-frontend.address': 'dns:///mimir-read-headless.%s.svc.%s:%d' % [c.namespace, c.cluster_domain, $.util.grpcPort],
      'query-scheduler.max-used-instances': 2,
    },

  mimir_backend_zone_a_args:: $.store_gateway_zone_a_args,
  mimir_backend_zone_b_args:: $.store_gateway_zone_b_args,
  mimir_backend_zone_c_args:: $.store_gateway_zone_c_args,

  mimir_backend_ports:: $.util.defaultPorts + (if $.kv.ringsGossip then $.util.gossipPorts else []),

  newMimirBackendZoneStatefulSet(zone, zoneArgs)::
    local args = $.storeGatewayZoneDefaults + $.mimir_backend_args + zoneArgs + $.storeGatewayZoneFixed(zone);
    $.util.zoneStatefulSet('mimir-backend', zone, std.ceil(c.mimir_backend_replicas / 3),
                           $.util.mimirContainer('mimir-backend', $._images.mimir_backend, args, $.mimir_backend_ports, 'mimir-backend-data'),
                           $.util.dataClaim('mimir-backend-data', c.mimir_backend_data_disk_size),
                           c.mimir_backend_max_unavailable, true),

  mimir_backend_zone_a_statefulset: if !enabled then null else $.newMimirBackendZoneStatefulSet('zone-a', $.mimir_backend_zone_a_args),
  mimir_backend_zone_b_statefulset: if !enabled then null else $.newMimirBackendZoneStatefulSet('zone-b', $.mimir_backend_zone_b_args),
  mimir_backend_zone_c_statefulset: if !enabled then null else $.newMimirBackendZoneStatefulSet('zone-c', $.mimir_backend_zone_c_args),

  mimir_backend_zone_a_service: if !enabled then null else $.util.serviceFor($.mimir_backend_zone_a_statefulset, headless=true),
  mimir_backend_zone_b_service: if !enabled then null else $.util.serviceFor($.mimir_backend_zone_b_statefulset, headless=true),
  mimir_backend_zone_c_service: if !enabled then null else $.util.serviceFor($.mimir_backend_zone_c_statefulset, headless=true),

  mimir_backend_service: if !enabled then null else
    $.util.rolloutGroupService('mimir-backend', $.mimir_backend_zone_a_statefulset),

  mimir_backend_rollout_pdb: if !enabled then null else $.util.rolloutGroupPDB('mimir-backend'),
}
