// The checks the real library makes (config.libsonnet and
// read-write-deployment/config.libsonnet), so that a plan step which would
// not render against Mimir's jsonnet fails here too, with the same message.
{
  local c = $._config,

  assert std.member(['microservices', 'read-write', 'migration'], c.deployment_mode)
         : 'unsupported deployment mode "%s"' % c.deployment_mode,

  // Read-write mode makes strong assumptions about the rest of the config.
  assert !c.is_read_write_deployment_mode || c.compactor_max_concurrency == 1
         : 'please set compactor_max_concurrency to 1 when using Mimir read-write deployment mode',
  assert !c.is_read_write_deployment_mode || c.multi_zone_ingester_enabled
         : 'please set multi_zone_ingester_enabled to true when using Mimir read-write deployment mode',
  assert !c.is_read_write_deployment_mode || c.multi_zone_store_gateway_enabled
         : 'please set multi_zone_store_gateway_enabled to true when using Mimir read-write deployment mode',
  assert !c.is_read_write_deployment_mode || c.memberlist_ring_enabled
         : 'please set memberlist_ring_enabled to true when using Mimir read-write deployment mode',
  assert c.is_microservices_deployment_mode || !c.autoscaling_querier_enabled
         : 'please set autoscaling_querier_enabled to false when using Mimir read-write deployment mode',
  assert c.is_microservices_deployment_mode || !c.ruler_remote_evaluation_enabled
         : 'please set ruler_remote_evaluation_enabled to false when using Mimir read-write deployment mode',
  assert c.is_microservices_deployment_mode || !c.overrides_exporter_enabled
         : 'please set overrides_exporter_enabled to false when using Mimir read-write deployment mode',
  assert !c.is_read_write_deployment_mode || c.query_scheduler_service_discovery_mode == 'ring'
         : 'read-write deployment mode discovers query-schedulers through the ring: do not set query_scheduler_service_discovery_mode',
  // Not in the real library, which predates Mimir 3: say why instead of
  // letting pods crash on an unknown -target.
  assert !c.is_read_write_deployment_mode || !std.startsWith($._images.mimir, 'grafana/mimir:3.')
         : 'read-write deployment mode needs Mimir 2.x: Mimir 3.0 removed the read, write and backend targets',

  assert std.member(['dns', 'ring'], c.query_scheduler_service_discovery_mode)
         : 'query_scheduler_service_discovery_mode must be "dns" or "ring"',
  assert !c.multikv_migration_enabled || c.memberlist_ring_enabled
         : 'multikv_migration_enabled needs memberlist_ring_enabled: the migration wraps memberlist in a multi KV store',
  assert c.multikv_primary != c.multikv_secondary
         : 'multikv_primary and multikv_secondary must differ',
  assert std.member(['consul', 'etcd', 'memberlist', 'multi'], c.ha_tracker_kvstore)
         : 'ha_tracker_kvstore must be consul, etcd, memberlist or multi',
  assert c.ha_tracker_kvstore != 'multi' || c.ha_tracker_multikv_primary != c.ha_tracker_multikv_secondary
         : 'ha_tracker_multikv_primary and ha_tracker_multikv_secondary must differ',
  assert std.member(['RollingUpdate', 'OnDelete'], c.multi_zone_update_strategy)
         : 'multi_zone_update_strategy must be RollingUpdate or OnDelete',
}
