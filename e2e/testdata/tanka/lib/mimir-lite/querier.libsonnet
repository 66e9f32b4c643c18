// Queriers: pull queries from the query-schedulers and answer them from
// ingesters (recent data) and store-gateways (older than query_store_after).
{
  local c = $._config,

  querier_args::
    $.mimirConfig.common +
    $.mimirConfig.storage +
    $.mimirConfig.query +
    $.mimirConfig.ingesterRingClient +
    $.mimirConfig.storeGatewayRingClient +
    $.mimirConfig.querySchedulerClient('query-scheduler', null, frontend=false) +
    $.kv.memberlistIf($.kv.ringsGossip) +
    // Mimir 3 queriers register in a querier ring of their own.
    (if $.util.majorVersion($._images.querier) < 3 then {} else
       $.kv.ringClient('querier.ring') + $.kv.ringMember('querier.ring')) +
    { target: 'querier' },

  querier_ports:: $.util.defaultPorts + (if $.kv.ringsGossip then $.util.gossipPorts else []),

  querier_container::
    $.util.mimirContainer('querier', $._images.querier, $.querier_args, $.querier_ports),

  querier_deployment: if !c.is_microservices_deployment_mode then null else
    $.util.mimirDeployment('querier', if c.autoscaling_querier_enabled then null else c.querier_replicas,
                           $.querier_container, $.kv.ringsGossip),

  querier_service: if !c.is_microservices_deployment_mode then null else $.util.serviceFor($.querier_deployment),
}
