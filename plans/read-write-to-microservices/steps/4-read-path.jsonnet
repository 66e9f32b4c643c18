local m = import 'mimirctl.libsonnet';
local p = std.extVar('params');
local route =
  if p.readService == '' then {
    manual: { instructions: 'Configure your load balancer to route read requests (/prometheus/*, /api/v1/query*) to the query-frontends.' },
  } else {
    actions: [{ routeService: { service: p.readService, selector: { name: 'query-frontend' } } }],
  };
[
  {
    id: '4.1-scale-up-read-microservices',
    title: 'Bring the query-frontends and queriers back',
    actions: [m.jsonnet({ remove: { config: ['autoscaling_querier_enabled'], objects: m.replicasFields(['query_frontend_deployment', 'querier_deployment']) } })],
    gates: [
      m.ready('read-microservices-ready', m.nameIn(['query-frontend', 'querier']), minPods=2),
      {
        name: 'query-frontend-answers-queries',
        http: {
          pods: { labels: 'name=query-frontend' },
          path: '/prometheus/api/v1/query?query=' + std.strReplace(p.testQuery, ' ', '%20'),
          header: { 'X-Scope-OrgID': p.tenant },
          bodyMatches: '"status":"success"',
        },
        interval: '10s',
        timeout: '10m',
        consecutive: 3,
      },
    ],
    undo: 'Set the query_frontend_deployment and querier_deployment replicas back to 0.',
  },
  {
    id: '4.2-route-reads',
    title: 'Route read traffic to the query-frontends',
    // mimir-read's queriers keep pulling queries from the query-schedulers they
    // share with the microservices, so the question is whether its
    // query-frontend still receives queries, as in the forward migration.
    gates: [m.idle('mimir-read-receives-no-queries',
                   'sum(rate(cortex_query_frontend_queries_total{%s, job=~"%s"}[1m]))' % [m.inNamespace, p.mimirReadJob],
                   'job=~"%s"' % p.mimirReadJob)],
    undo: 'Route read requests back to mimir-read.',
  } + route,
]
