local m = import 'mimirctl.libsonnet';
local zones = std.extVar('zones');
local backends = ['mimir-backend-' + z for z in zones];
local storeGateways = ['store-gateway-' + z for z in zones];
local gone(ring, micro, name) = m.ring(name, ring, m.nameIn(backends), [m.left(w) for w in micro] + [m.joined('mimir-backend-' + zones[0])]);
[
  {
    id: '5.1-store-gateway-unregister',
    title: 'Make microservice store-gateways leave the ring on shutdown, and mimir-backend stay',
    why: |||
      Store-gateways keep their ring entry on shutdown by default. The microservice ones are
      about to go for good, so they must unregister; mimir-backend must keep its entries
      across restarts.
    |||,
    docs: [{ title: 'Step 5: Scale down microservice read and backend components' }],
    actions: [m.jsonnet({ hidden: {
      store_gateway_args: { 'store-gateway.sharding-ring.unregister-on-shutdown': true },
      mimir_backend_args: { 'store-gateway.sharding-ring.unregister-on-shutdown': false },
    } })],
    undo: 'Remove the store_gateway_args and mimir_backend_args overrides.',
  },
  {
    id: '5.2-scale-down-read-backend',
    title: 'Scale the microservice read and backend components to 0',
    why: |||
      The migration doc also sets autoscaling_querier_enabled: false here. That removes the
      querier's KEDA ScaledObject from the rendered environment, but a pipeline that does not
      prune leaves it running, and it scales the querier back up. Instead this step pauses every
      autoscaled component's ScaledObject at 0 (annotation autoscaling.keda.sh/paused-replicas),
      and step 8 turns autoscaling_querier_enabled off when the querier goes away.
    |||,
    docs: [{ title: 'Step 5: Scale down microservice read and backend components' }],
    actions: [m.jsonnet({
      config: { multi_zone_store_gateway_replicas: 0 },
      objects: m.replicas('query_frontend_deployment', 0) + m.replicas('query_scheduler_deployment', 0) +
               m.replicas('querier_deployment', 0) + m.replicas('ruler_deployment', 0) +
               m.replicas('overrides_exporter_deployment', 0) + m.replicas('compactor_statefulset', 0),
      destructive: true,
    })],
    gates: [
      gone('query-scheduler', ['query-scheduler'], 'query-scheduler-left'),
      gone('compactor', ['compactor'], 'compactor-left'),
      gone('ruler', ['ruler'], 'ruler-left'),
      gone('store-gateway', storeGateways, 'store-gateways-left'),
    ],
    undo: 'Remove the replicas overrides and multi_zone_store_gateway_replicas from mimirctl.libsonnet.',
  },
  {
    id: '5.3-ruler-remote-evaluation-off',
    title: 'Turn off ruler remote evaluation and ruler-querier autoscaling',
    why: 'Only now that the microservice ruler is gone: turning it off earlier can make rule evaluations fail.',
    docs: [{ title: 'Step 5: Scale down microservice read and backend components' }],
    actions: [m.jsonnet({ config: { ruler_remote_evaluation_enabled: false, autoscaling_ruler_querier_enabled: false } })],
    undo: 'Set ruler_remote_evaluation_enabled back to true if you used it.',
  },
]
