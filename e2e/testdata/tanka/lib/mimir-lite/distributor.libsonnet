// Distributors: the write path's entry (POST /api/v1/push), members of the
// distributor ring, readers of the ingester ring, and the HA tracker.
{
  local c = $._config,

  distributor_args::
    $.mimirConfig.common +
    $.mimirConfig.ingesterRingClient +
    $.kv.ringClient('distributor.ring') + $.kv.ringMember('distributor.ring') +
    $.kv.memberlistIf($.distributor_gossips) +
    $.kv.haTracker +
    { target: 'distributor' },

  distributor_gossips:: $.kv.ringsGossip || $.kv.haTrackerGossips,
  distributor_ports:: $.util.defaultPorts + (if $.distributor_gossips then $.util.gossipPorts else []),

  distributor_container::
    $.util.mimirContainer('distributor', $._images.distributor, $.distributor_args, $.distributor_ports),

  distributor_deployment: if !c.is_microservices_deployment_mode then null else
    $.util.mimirDeployment('distributor', c.distributor_replicas, $.distributor_container, $.distributor_gossips),

  distributor_service: if !c.is_microservices_deployment_mode then null else
    $.util.serviceFor($.distributor_deployment, headless=true),
}
