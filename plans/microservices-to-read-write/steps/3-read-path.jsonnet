local m = import 'mimirctl.libsonnet';
local p = std.extVar('params');
local readConfig =
  if p.mimirReadAutoscaling then {
    autoscaling_mimir_read_enabled: true,
    autoscaling_mimir_read_min_replicas: p.mimirReadMinReplicas,
    autoscaling_mimir_read_max_replicas: p.mimirReadMaxReplicas,
  } else { mimir_read_replicas: p.mimirReadReplicas };
local testQuery = {
  name: 'mimir-read-answers-queries',
  http: {
    pods: { labels: 'name=mimir-read' },
    path: '/prometheus/api/v1/query?query=' + std.strReplace(std.strReplace(p.testQuery, ' ', '%20'), '+', '%2B'),
    header: { 'X-Scope-OrgID': p.tenant },
    bodyMatches: '"status":"success"',
  },
  interval: '10s',
  timeout: '10m',
  consecutive: 3,
};
local route =
  if p.readService == '' then {
    manual: { instructions: 'Configure your load balancer to route read requests (/prometheus/*, /api/v1/query*) to mimir-read.' },
  } else {
    actions: [{ routeService: { service: p.readService, selector: { name: 'mimir-read' } } }],
  };
[
  {
    id: '3.1-scale-up-read',
    title: 'Scale up mimir-read',
    why: "mimir-read's queriers pull queries from the query-schedulers they share with the microservices; the microservices keep their replicas.",
    docs: [{ title: 'Step 3.1: Scale up read component' }],
    actions: [m.jsonnet({ config: readConfig })],
    gates: [m.ready('mimir-read-ready', 'name=mimir-read')],
    undo: 'Set mimir_read_replicas back to 0.',
  },
  {
    id: '3.2-check-read',
    title: 'Check that mimir-read runs queries',
    docs: [{ title: 'Step 3.2: Check mimir-read is working' }],
    gates: [
      testQuery,
      m.promql('mimir-read-serves-queries',
               'sum(rate(cortex_querier_request_duration_seconds_count{%s, job=~"%s", route=~"(prometheus|api_prom)_api_v1_.+"}[1m]))' % [m.inNamespace, p.mimirReadJob],
               '>', 0, forDuration='30s'),
    ],
  },
  {
    id: '3.3-route-reads',
    title: 'Route read traffic to mimir-read',
    docs: [{ title: 'Step 3.3: Route traffic to mimir-read' }],
    gates: [m.idle('query-frontend-idle',
                   'sum(rate(cortex_query_frontend_queries_total{%s, pod=~"%s", pod!~"ruler-query-frontend.*"}[1m]))' % [m.inNamespace, p.queryFrontendPod],
                   'pod=~"%s", pod!~"ruler-query-frontend.*"' % p.queryFrontendPod)],
    undo: 'Route read requests back to the query-frontend.',
  } + route,
]
