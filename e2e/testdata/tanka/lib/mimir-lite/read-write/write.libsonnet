// mimir-write (-target=write: distributor + ingester), one StatefulSet per
// zone, mimir-write-zone-a/b/c, each with ceil(mimir_write_replicas / 3)
// pods. They join the ingester ring next to ingester-zone-*.
local k = import '../k.libsonnet';

{
  local c = $._config,
  local enabled = c.is_read_write_deployment_mode,

  // Built from the microservices' args, so a plan's override of
  // distributor_args or ingester_args reaches mimir-write too.
  mimir_write_args:: $.distributor_args + $.ingester_args + { target: 'write' },

  mimir_write_zone_a_args:: $.ingester_zone_a_args,
  mimir_write_zone_b_args:: $.ingester_zone_b_args,
  mimir_write_zone_c_args:: $.ingester_zone_c_args,

  mimir_write_ports:: $.util.defaultPorts + (if $.distributor_gossips || $.kv.ringsGossip then $.util.gossipPorts else []),

  newMimirWriteZoneStatefulSet(zone, zoneArgs)::
    local args = $.mimir_write_args + zoneArgs + {
      'ingester.ring.zone-awareness-enabled': true,
      'ingester.ring.instance-availability-zone': zone,
    };
    $.util.zoneStatefulSet('mimir-write', zone, std.ceil(c.mimir_write_replicas / 3),
                           $.util.mimirContainer('mimir-write', $._images.mimir_write, args, $.mimir_write_ports, 'mimir-write-data'),
                           $.util.dataClaim('mimir-write-data', c.mimir_write_data_disk_size),
                           c.mimir_write_max_unavailable, true),

  mimir_write_zone_a_statefulset: if !enabled then null else $.newMimirWriteZoneStatefulSet('zone-a', $.mimir_write_zone_a_args),
  mimir_write_zone_b_statefulset: if !enabled then null else $.newMimirWriteZoneStatefulSet('zone-b', $.mimir_write_zone_b_args),
  mimir_write_zone_c_statefulset: if !enabled then null else $.newMimirWriteZoneStatefulSet('zone-c', $.mimir_write_zone_c_args),

  mimir_write_zone_a_service: if !enabled then null else $.util.serviceFor($.mimir_write_zone_a_statefulset, headless=true),
  mimir_write_zone_b_service: if !enabled then null else $.util.serviceFor($.mimir_write_zone_b_statefulset, headless=true),
  mimir_write_zone_c_service: if !enabled then null else $.util.serviceFor($.mimir_write_zone_c_statefulset, headless=true),

  // The write path's entry; headless so that gRPC clients balance over
  // every pod.
  mimir_write_service: if !enabled then null else
    $.util.rolloutGroupService('mimir-write', $.mimir_write_zone_a_statefulset) + k.core.v1.service.headless,

  mimir_write_rollout_pdb: if !enabled then null else $.util.rolloutGroupPDB('mimir-write'),
}
