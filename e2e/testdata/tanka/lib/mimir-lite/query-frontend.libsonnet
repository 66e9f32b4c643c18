// Query-frontends: the read path's entry (/prometheus); they queue queries
// on the query-schedulers.
{
  local c = $._config,
  local ringDiscovery = c.query_scheduler_service_discovery_mode == 'ring',
  // Query-frontends gossip only to read the query-scheduler ring.
  query_frontend_gossips:: ringDiscovery && $.kv.ringsGossip,

  query_frontend_args::
    $.mimirConfig.common +
    $.mimirConfig.querySchedulerClient('query-scheduler', null, frontend=true) +
    $.kv.memberlistIf($.query_frontend_gossips) +
    {
      target: 'query-frontend',
      // The address query-schedulers and queriers call back on.
      'query-frontend.instance-addr': '$(POD_IP)',
    },

  query_frontend_ports:: $.util.defaultPorts + (if $.query_frontend_gossips then $.util.gossipPorts else []),

  query_frontend_container::
    $.util.mimirContainer('query-frontend', $._images.query_frontend, $.query_frontend_args, $.query_frontend_ports),

  query_frontend_deployment: if !c.is_microservices_deployment_mode then null else
    $.util.mimirDeployment('query-frontend', c.query_frontend_replicas, $.query_frontend_container, $.query_frontend_gossips),

  query_frontend_service: if !c.is_microservices_deployment_mode then null else
    $.util.serviceFor($.query_frontend_deployment),

  // For queriers that connect to the frontends directly (no scheduler).
  query_frontend_discovery_service: if !c.is_microservices_deployment_mode then null else
    $.util.discoveryService('query-frontend-discovery', $.query_frontend_deployment),
}
