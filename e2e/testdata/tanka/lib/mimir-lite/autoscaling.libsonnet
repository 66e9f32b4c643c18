// Autoscaling. The real library uses KEDA ScaledObjects; an HPA of the same
// name (what KEDA creates) stands in for them here. The scaled Deployment
// renders without replicas so that the autoscaler owns them. The test
// environments keep autoscaling off: the local cluster has no
// metrics-server.
local k = import 'k.libsonnet';

{
  local c = $._config,
  local hpa = k.autoscaling.v2.horizontalPodAutoscaler,

  querier_hpa:
    if !(c.autoscaling_querier_enabled && c.is_microservices_deployment_mode) then null
    else hpa.new('querier', c.autoscaling_querier_min_replicas, c.autoscaling_querier_max_replicas),

  ruler_querier_hpa:
    if !(c.autoscaling_ruler_querier_enabled && $.ruler_querier_deployment != null) then null
    else hpa.new('ruler-querier', c.autoscaling_ruler_querier_min_replicas, c.autoscaling_ruler_querier_max_replicas),

  mimir_read_hpa:
    if !(c.autoscaling_mimir_read_enabled && c.is_read_write_deployment_mode) then null
    else hpa.new('mimir-read', c.autoscaling_mimir_read_min_replicas, c.autoscaling_mimir_read_max_replicas),

  // The real library's KEDA ScaledObject fields that the plans pause when
  // they zero an autoscaled component: null, as the real library renders
  // them with autoscaling off.
  distributor_scaled_object: null,
  querier_scaled_object: null,
  query_frontend_scaled_object: null,
  ruler_scaled_object: null,
}
