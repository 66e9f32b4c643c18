// The ruler: evaluates rule groups from the ruler bucket, itself or, with
// ruler_remote_evaluation_enabled, through ruler-query-frontend.
{
  local c = $._config,

  ruler_args::
    $.mimirConfig.common +
    $.mimirConfig.storage +
    $.mimirConfig.query +
    $.mimirConfig.ingesterRingClient +
    $.mimirConfig.storeGatewayRingClient +
    $.kv.ringClient('ruler.ring') + $.kv.ringMember('ruler.ring') +
    $.kv.memberlistIf($.kv.ringsGossip) +
    {
      target: 'ruler',
      'ruler.rule-path': '/rules',
    } + (
      if !c.ruler_remote_evaluation_enabled then {} else {
        'ruler.query-frontend.address': 'dns:///ruler-query-frontend.%s.svc.%s:%d' % [c.namespace, c.cluster_domain, $.util.grpcPort],
      }
    ),

  ruler_ports:: $.util.defaultPorts + (if $.kv.ringsGossip then $.util.gossipPorts else []),

  ruler_container::
    $.util.mimirContainer('ruler', $._images.ruler, $.ruler_args, $.ruler_ports),

  local enabled = c.ruler_enabled && c.is_microservices_deployment_mode,

  ruler_deployment: if !enabled then null else
    $.util.mimirDeployment('ruler', c.ruler_replicas, $.ruler_container, $.kv.ringsGossip),

  ruler_service: if !enabled then null else $.util.serviceFor($.ruler_deployment),
}
