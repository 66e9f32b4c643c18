// Ruler remote evaluation: the ruler sends its queries to a read path of
// its own (ruler-query-frontend → ruler-query-scheduler → ruler-querier),
// so rule evaluation does not compete with users' queries.
{
  local c = $._config,
  local enabled = c.ruler_enabled && c.ruler_remote_evaluation_enabled && c.is_microservices_deployment_mode,
  // In ring mode the ruler's schedulers have a ring key of their own.
  local schedulerKeyPrefix = 'ruler-query-scheduler/',

  ruler_querier_args:: $.querier_args + $.mimirConfig.querySchedulerClient('ruler-query-scheduler', schedulerKeyPrefix, frontend=false),
  ruler_query_frontend_args:: $.query_frontend_args + $.mimirConfig.querySchedulerClient('ruler-query-scheduler', schedulerKeyPrefix, frontend=true),
  ruler_query_scheduler_args:: $.newQuerySchedulerArgs(schedulerKeyPrefix),

  ruler_querier_deployment: if !enabled then null else
    $.util.mimirDeployment('ruler-querier', if c.autoscaling_ruler_querier_enabled then null else c.ruler_querier_replicas,
                           $.util.mimirContainer('ruler-querier', $._images.querier, $.ruler_querier_args, $.querier_ports),
                           $.kv.ringsGossip),
  ruler_querier_service: if !enabled then null else $.util.serviceFor($.ruler_querier_deployment),

  ruler_query_frontend_deployment: if !enabled then null else
    $.util.mimirDeployment('ruler-query-frontend', c.ruler_query_frontend_replicas,
                           $.util.mimirContainer('ruler-query-frontend', $._images.query_frontend, $.ruler_query_frontend_args, $.query_frontend_ports),
                           $.query_frontend_gossips),
  // Headless: the ruler balances its gRPC connections over every pod.
  ruler_query_frontend_service: if !enabled then null else
    $.util.serviceFor($.ruler_query_frontend_deployment, headless=true),

  ruler_query_scheduler_deployment: if !enabled then null else
    $.util.mimirDeployment('ruler-query-scheduler', c.ruler_query_scheduler_replicas,
                           $.util.mimirContainer('ruler-query-scheduler', $._images.query_scheduler, $.ruler_query_scheduler_args, $.query_scheduler_ports),
                           $.query_scheduler_gossips) +
    $.util.antiAffinity('ruler-query-scheduler'),
  ruler_query_scheduler_service: if !enabled then null else $.util.serviceFor($.ruler_query_scheduler_deployment),
  ruler_query_scheduler_discovery_service: if !enabled then null else
    $.util.discoveryService('ruler-query-scheduler-discovery', $.ruler_query_scheduler_deployment),
}
