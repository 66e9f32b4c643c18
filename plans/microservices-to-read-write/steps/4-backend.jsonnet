local m = import 'mimirctl.libsonnet';
local p = std.extVar('params');
local zones = std.extVar('zones');
local backends = ['mimir-backend-' + z for z in zones];
local both(ring, micro, name) = m.ring(name, ring, m.nameIn(micro + backends), [m.joined(w) for w in micro + ['mimir-backend-' + zones[0]]]);
local route =
  if p.backendService == '' then {
    manual: { instructions: 'Configure your load balancer to route the compactor and ruler endpoints (/prometheus/config/v1/rules*, /api/v1/rules*, /compactor/*) to mimir-backend.' },
  } else {
    actions: [{ routeService: { service: p.backendService, selector: { 'rollout-group': 'mimir-backend' } } }],
  };
[
  {
    id: '4.1-scale-up-backend',
    title: 'Scale up mimir-backend',
    docs: [{ title: 'Step 4.1: Scale up backend component' }],
    actions: [m.jsonnet({ config: { mimir_backend_replicas: p.mimirBackendReplicas } })],
    gates: [m.ready('mimir-backend-ready', m.nameIn(backends), minPods=std.length(zones))],
    undo: 'Set mimir_backend_replicas back to 0.',
  },
  {
    id: '4.2-check-backend',
    title: 'Check that the backend rings hold both microservices and mimir-backend',
    docs: [{ title: 'Step 4.2: Check mimir-backend is working' }],
    gates: [
      both('query-scheduler', ['query-scheduler'], 'query-scheduler-ring'),
      both('store-gateway', ['store-gateway-' + z for z in zones], 'store-gateway-ring'),
      both('compactor', ['compactor'], 'compactor-ring'),
      both('ruler', ['ruler'], 'ruler-ring'),
      // Long-term data: a range older than the queriers' query_store_after
      // and query_ingesters_within, which only the store-gateways (now
      // including mimir-backend's) answer; the answer must hold samples.
      // Queries sent to mimir-read may run on the microservice queriers
      // too (they share the query-schedulers), so both give the settings.
      m.longTermQuery('name=mimir-read', 'name in (querier, mimir-read)', p.tenant, p.longTermQuery),
    ],
  },
  {
    id: '4.3-route-backend',
    title: 'Route the compactor and ruler endpoints to mimir-backend',
    docs: [{ title: 'Step 4.3: Route traffic to mimir-backend' }],
    undo: 'Route the compactor and ruler endpoints back to the microservices.',
  } + route,
]
