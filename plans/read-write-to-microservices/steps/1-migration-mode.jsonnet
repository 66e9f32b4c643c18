local m = import 'mimirctl.libsonnet';
local zones = std.extVar('zones');
local zero(fields) = std.foldl(function(acc, f) acc + m.replicas(f, 0), fields, {});
[
  {
    id: '1-migration-mode',
    title: 'Deploy the microservices with 0 replicas next to the read-write components',
    why: |||
      deployment_mode: migration renders both sets of components. Every microservice starts at
      0 replicas, so nothing changes for traffic; later steps remove these overrides one path
      at a time.
    |||,
    docs: [{ title: 'Step 2: Deploy read-write components with 0 replicas (in reverse)' }],
    actions: [m.jsonnet({
      config: {
        deployment_mode: 'migration',
        multi_zone_ingester_enabled: true,
        multi_zone_store_gateway_enabled: true,
        multi_zone_store_gateway_replicas: 0,
        autoscaling_querier_enabled: false,
        ruler_remote_evaluation_enabled: false,
      },
      objects: zero(['query_frontend_deployment', 'query_scheduler_deployment', 'querier_deployment', 'ruler_deployment',
                     'overrides_exporter_deployment', 'compactor_statefulset', 'distributor_deployment'] +
                    [m.zoneStatefulSet('ingester', z) for z in zones]),
    })],
    undo: 'Remove deployment_mode and the overrides from mimirctl.libsonnet (the microservice objects are pruned).',
  },
  {
    id: '1.1-compare-configuration',
    title: 'Compare each microservice with the read-write component whose work it takes back',
    actions: [{ compare: { source: 'live' } }],
  },
]
