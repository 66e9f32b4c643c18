local m = import 'mimirctl.libsonnet';
local p = std.extVar('params');
local zones = std.extVar('zones');
local backends = ['mimir-backend-' + z for z in zones];
local storeGateways = ['store-gateway-' + z for z in zones];
local both(ring, micro, name) = m.ring(name, ring, m.nameIn(micro + backends), [m.joined(w) for w in micro + [backends[0]]]);
local route =
  if p.backendService == '' then {
    manual: { instructions: 'Configure your load balancer to route the ruler and compactor endpoints (/prometheus/config/v1/rules*, /api/v1/rules*) to the ruler.' },
  } else {
    actions: [{ routeService: { service: p.backendService, selector: { name: 'ruler' } } }],
  };
[
  {
    id: '3.1-backend-unregister',
    title: 'Make mimir-backend store-gateways leave the ring on shutdown, and the microservices stay',
    why: 'mimir-backend goes away for good later: its store-gateways must unregister when they stop, the microservice ones must keep their entries across restarts.',
    actions: [m.jsonnet({ hidden: {
      mimir_backend_args: { 'store-gateway.sharding-ring.unregister-on-shutdown': true },
      store_gateway_args: { 'store-gateway.sharding-ring.unregister-on-shutdown': false },
    } })],
    undo: 'Remove the mimir_backend_args and store_gateway_args overrides.',
  },
  {
    id: '3.2-scale-up-backend-microservices',
    title: 'Bring the store-gateways, compactor, ruler, query-scheduler and overrides-exporter back',
    why: "Store-gateways come back as multi_zone_store_gateway_replicas (parameter storeGatewayReplicas): Grafana's library renders 0 unless the environment sets it.",
    actions: [m.jsonnet({ config: { multi_zone_store_gateway_replicas: p.storeGatewayReplicas }, remove: {
      objects: m.replicasFields(['query_scheduler_deployment', 'ruler_deployment', 'overrides_exporter_deployment', 'compactor_statefulset']),
    } })],
    gates: [
      both('query-scheduler', ['query-scheduler'], 'query-scheduler-ring'),
      both('store-gateway', storeGateways, 'store-gateway-ring'),
      both('compactor', ['compactor'], 'compactor-ring'),
      both('ruler', ['ruler'], 'ruler-ring'),
    ],
    undo: 'Set the replicas overrides back to 0.',
  },
  {
    id: '3.3-route-backend',
    title: 'Route the ruler and compactor endpoints to the microservices',
    undo: 'Route them back to mimir-backend.',
  } + route,
]
