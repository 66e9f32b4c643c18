// Store-gateways: serve blocks from the bucket. One `store-gateway`
// StatefulSet, or with zone awareness store-gateway-zone-a/b/c on the
// 'multi-zone/' ring key.
{
  local c = $._config,
  local zoned = c.multi_zone_store_gateway_enabled,

  store_gateway_args::
    $.mimirConfig.common +
    $.mimirConfig.storage +
    $.mimirConfig.bucketStore +
    $.mimirConfig.storeGatewayRingClient +
    $.kv.ringMember('store-gateway.sharding-ring') +
    $.kv.memberlistIf($.kv.ringsGossip) +
    {
      target: 'store-gateway',
      'blocks-storage.bucket-store.sync-dir': '/data/tsdb',
      'store-gateway.sharding-ring.tokens-file-path': '/data/tokens',
    },

  // Zone defaults a plan may override through store_gateway_args or
  // mimir_backend_args (step 5 of the read-write migration does):
  // zone-aware store-gateways keep their ring entry across restarts, so
  // that rollouts do not reshuffle blocks.
  storeGatewayZoneDefaults:: { 'store-gateway.sharding-ring.unregister-on-shutdown': false },
  storeGatewayZoneFixed(zone):: {
    'store-gateway.sharding-ring.instance-availability-zone': zone,
    'store-gateway.sharding-ring.zone-awareness-enabled': true,
    'store-gateway.sharding-ring.prefix': 'multi-zone/',
  },

  store_gateway_zone_a_args:: {},
  store_gateway_zone_b_args:: {},
  store_gateway_zone_c_args:: {},

  store_gateway_ports:: $.util.defaultPorts + (if $.kv.ringsGossip then $.util.gossipPorts else []),
  store_gateway_data_claim:: $.util.dataClaim('store-gateway-data', c.store_gateway_data_disk_size),

  store_gateway_container::
    $.util.mimirContainer('store-gateway', $._images.store_gateway, $.store_gateway_args, $.store_gateway_ports, 'store-gateway-data'),

  newStoreGatewayZoneStatefulSet(zone, zoneArgs)::
    local args = $.storeGatewayZoneDefaults + $.store_gateway_args + zoneArgs + $.storeGatewayZoneFixed(zone);
    $.util.zoneStatefulSet('store-gateway', zone, std.ceil(c.multi_zone_store_gateway_replicas / 3),
                           $.util.mimirContainer('store-gateway', $._images.store_gateway, args, $.store_gateway_ports, 'store-gateway-data'),
                           $.store_gateway_data_claim, c.multi_zone_store_gateway_max_unavailable, $.kv.ringsGossip),

  local single = c.is_microservices_deployment_mode && !zoned,
  local multi = c.is_microservices_deployment_mode && zoned,

  store_gateway_statefulset: if !single then null else
    $.util.mimirStatefulSet('store-gateway', c.store_gateway_replicas, $.store_gateway_container, $.store_gateway_data_claim, $.kv.ringsGossip) +
    $.util.antiAffinity('store-gateway'),
  store_gateway_service: if !single then null else $.util.serviceFor($.store_gateway_statefulset, headless=true),

  store_gateway_zone_a_statefulset: if !multi then null else $.newStoreGatewayZoneStatefulSet('zone-a', $.store_gateway_zone_a_args),
  store_gateway_zone_b_statefulset: if !multi then null else $.newStoreGatewayZoneStatefulSet('zone-b', $.store_gateway_zone_b_args),
  store_gateway_zone_c_statefulset: if !multi then null else $.newStoreGatewayZoneStatefulSet('zone-c', $.store_gateway_zone_c_args),

  store_gateway_zone_a_service: if !multi then null else $.util.serviceFor($.store_gateway_zone_a_statefulset, headless=true),
  store_gateway_zone_b_service: if !multi then null else $.util.serviceFor($.store_gateway_zone_b_statefulset, headless=true),
  store_gateway_zone_c_service: if !multi then null else $.util.serviceFor($.store_gateway_zone_c_statefulset, headless=true),

  store_gateway_multi_zone_service: if !multi then null else
    $.util.rolloutGroupService('store-gateway', $.store_gateway_zone_a_statefulset) + { metadata+: { name: 'store-gateway-multi-zone' } },

  store_gateway_rollout_pdb: if !multi then null else $.util.rolloutGroupPDB('store-gateway'),
}
