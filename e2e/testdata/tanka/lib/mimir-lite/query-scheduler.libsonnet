// Query-schedulers: hold the query queue between frontends and queriers.
// Found through the query-scheduler-discovery Service, or in ring mode
// (always in read-write mode) through their own ring.
{
  local c = $._config,
  local ringDiscovery = c.query_scheduler_service_discovery_mode == 'ring',
  query_scheduler_gossips:: ringDiscovery && $.kv.ringsGossip,

  // keyPrefix keeps the ruler's schedulers in a ring of their own.
  newQuerySchedulerArgs(keyPrefix)::
    $.mimirConfig.common +
    (if !ringDiscovery then {} else
       $.kv.ringClient('query-scheduler.ring', keyPrefix) + $.kv.ringMember('query-scheduler.ring') +
       { 'query-scheduler.service-discovery-mode': 'ring' }) +
    $.kv.memberlistIf($.query_scheduler_gossips) +
    { target: 'query-scheduler' },

  query_scheduler_args:: $.newQuerySchedulerArgs(null),

  query_scheduler_ports:: $.util.defaultPorts + (if $.query_scheduler_gossips then $.util.gossipPorts else []),

  query_scheduler_container::
    $.util.mimirContainer('query-scheduler', $._images.query_scheduler, $.query_scheduler_args, $.query_scheduler_ports),

  query_scheduler_deployment: if !c.is_microservices_deployment_mode then null else
    $.util.mimirDeployment('query-scheduler', c.query_scheduler_replicas, $.query_scheduler_container, $.query_scheduler_gossips) +
    $.util.antiAffinity('query-scheduler'),

  query_scheduler_service: if !c.is_microservices_deployment_mode then null else
    $.util.serviceFor($.query_scheduler_deployment),

  query_scheduler_discovery_service: if !c.is_microservices_deployment_mode then null else
    $.util.discoveryService('query-scheduler-discovery', $.query_scheduler_deployment),
}
