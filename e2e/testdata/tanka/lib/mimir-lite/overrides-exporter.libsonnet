// The overrides-exporter: exports per-tenant limits as metrics. In
// read-write mode mimir-backend runs it, on a ring that deduplicates the
// exported metrics.
{
  local c = $._config,
  local ringed = c.overrides_exporter_ring_enabled,

  overrides_exporter_args::
    $.mimirConfig.common +
    (if !ringed then {} else
       { 'overrides-exporter.ring.enabled': true } +
       $.kv.ringClient('overrides-exporter.ring') + $.kv.ringMember('overrides-exporter.ring') +
       $.kv.memberlistIf($.kv.ringsGossip)) +
    { target: 'overrides-exporter' },

  overrides_exporter_gossips:: ringed && $.kv.ringsGossip,
  overrides_exporter_ports:: $.util.defaultPorts + (if $.overrides_exporter_gossips then $.util.gossipPorts else []),

  overrides_exporter_container::
    $.util.mimirContainer('overrides-exporter', $._images.overrides_exporter, $.overrides_exporter_args, $.overrides_exporter_ports),

  overrides_exporter_deployment: if !c.overrides_exporter_enabled then null else
    $.util.mimirDeployment('overrides-exporter', c.overrides_exporter_replicas, $.overrides_exporter_container,
                           $.overrides_exporter_gossips),

  overrides_exporter_service: if !c.overrides_exporter_enabled then null else
    $.util.serviceFor($.overrides_exporter_deployment),
}
