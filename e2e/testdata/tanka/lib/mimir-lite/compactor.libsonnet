// The compactor: compacts blocks and, every cleanup interval, updates the
// bucket index that queriers and store-gateways read.
{
  local c = $._config,

  compactor_args::
    $.mimirConfig.common +
    $.mimirConfig.storage +
    $.kv.ringClient('compactor.ring') + $.kv.ringMember('compactor.ring') +
    $.kv.memberlistIf($.kv.ringsGossip) +
    {
      target: 'compactor',
      'compactor.data-dir': '/data',
      'compactor.cleanup-interval': c.compactor_cleanup_interval,
      'compactor.compaction-concurrency': c.compactor_max_concurrency,
    },

  compactor_ports:: $.util.defaultPorts + (if $.kv.ringsGossip then $.util.gossipPorts else []),

  compactor_container::
    $.util.mimirContainer('compactor', $._images.compactor, $.compactor_args, $.compactor_ports, 'compactor-data'),

  compactor_statefulset: if !c.is_microservices_deployment_mode then null else
    $.util.mimirStatefulSet('compactor', c.compactor_replicas, $.compactor_container,
                            $.util.dataClaim('compactor-data', c.compactor_data_disk_size), $.kv.ringsGossip),

  compactor_service: if !c.is_microservices_deployment_mode then null else
    $.util.serviceFor($.compactor_statefulset, headless=true),
}
