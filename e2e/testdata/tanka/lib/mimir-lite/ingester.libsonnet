// Ingesters: one `ingester` StatefulSet, or with zone awareness three,
// ingester-zone-a/b/c, each with ceil(multi_zone_ingester_replicas / 3)
// pods in its own zone.
local k = import 'k.libsonnet';

{
  local c = $._config,
  local zoned = c.multi_zone_ingester_enabled,

  ingester_args::
    $.mimirConfig.common +
    $.mimirConfig.storage +
    $.mimirConfig.ingesterRingClient +
    $.kv.ringMember('ingester.ring') +
    $.kv.memberlistIf($.kv.ringsGossip) +
    {
      target: 'ingester',
      'blocks-storage.tsdb.dir': '/data/tsdb',
      'blocks-storage.tsdb.ship-interval': c.tsdb_ship_interval,
      'blocks-storage.tsdb.block-ranges-period': c.tsdb_block_ranges_period,
      'blocks-storage.tsdb.head-compaction-interval': c.tsdb_head_compaction_interval,
      // Keep tokens across restarts so a restarted ingester owns the same
      // series.
      'ingester.ring.tokens-file-path': '/data/tokens',
      'ingester.ring.min-ready-duration': c.ingester_ring_min_ready_duration,
      'ingester.ring.unregister-on-shutdown': c.unregister_ingesters_on_shutdown,
    },

  // Extra flags per zone, merged after ingester_args.
  ingester_zone_a_args:: {},
  ingester_zone_b_args:: {},
  ingester_zone_c_args:: {},

  ingester_ports:: $.util.defaultPorts + (if $.kv.ringsGossip then $.util.gossipPorts else []),

  ingester_data_claim:: $.util.dataClaim('ingester-data', c.ingester_data_disk_size),

  ingester_container::
    $.util.mimirContainer('ingester', $._images.ingester, $.ingester_args, $.ingester_ports, 'ingester-data'),

  newIngesterZoneContainer(zone, zoneArgs)::
    $.util.mimirContainer('ingester', $._images.ingester, $.ingester_args + zoneArgs + {
      'ingester.ring.zone-awareness-enabled': true,
      'ingester.ring.instance-availability-zone': zone,
    }, $.ingester_ports, 'ingester-data'),

  newIngesterZoneStatefulSet(zone, zoneArgs)::
    $.util.zoneStatefulSet('ingester', zone, std.ceil(c.multi_zone_ingester_replicas / 3),
                           $.newIngesterZoneContainer(zone, zoneArgs), $.ingester_data_claim,
                           c.multi_zone_ingester_max_unavailable, $.kv.ringsGossip),

  local single = c.is_microservices_deployment_mode && !zoned,
  local multi = c.is_microservices_deployment_mode && zoned,

  ingester_statefulset: if !single then null else
    $.util.mimirStatefulSet('ingester', c.ingester_replicas, $.ingester_container, $.ingester_data_claim, $.kv.ringsGossip) +
    $.util.antiAffinity('ingester'),
  ingester_service: if !single then null else $.util.serviceFor($.ingester_statefulset, headless=true),
  ingester_pdb: if !single then null else
    k.policy.v1.podDisruptionBudget.new('ingester-pdb', { name: 'ingester' }),

  ingester_zone_a_statefulset: if !multi then null else $.newIngesterZoneStatefulSet('zone-a', $.ingester_zone_a_args),
  ingester_zone_b_statefulset: if !multi then null else $.newIngesterZoneStatefulSet('zone-b', $.ingester_zone_b_args),
  ingester_zone_c_statefulset: if !multi then null else $.newIngesterZoneStatefulSet('zone-c', $.ingester_zone_c_args),

  // Headless: the network identity of the zone's pods.
  ingester_zone_a_service: if !multi then null else $.util.serviceFor($.ingester_zone_a_statefulset, headless=true),
  ingester_zone_b_service: if !multi then null else $.util.serviceFor($.ingester_zone_b_statefulset, headless=true),
  ingester_zone_c_service: if !multi then null else $.util.serviceFor($.ingester_zone_c_statefulset, headless=true),

  ingester_rollout_pdb: if !multi then null else $.util.rolloutGroupPDB('ingester'),
}
