// Helpers shared by the built-in plans: builders for the action and gate
// items of step files, so that each plan reads like its procedure.
{
  // A pod selector by label selector.
  pods(labels):: { labels: labels },

  // Label selector of pods whose `name` label is one of names.
  nameIn(names):: 'name in (%s)' % std.join(', ', names),

  // Ring gate: the given expectations on ring `ring`, read from `pods`.
  ring(name, ring, pods, expect, timeout='10m'):: {
    name: name,
    ring: { ring: ring, pods: { labels: pods }, expect: expect },
    interval: '10s',
    timeout: timeout,
    consecutive: 2,
  },

  // Expectation: every pod of `workload` (a StatefulSet or Deployment) is in
  // the ring, ACTIVE and healthy; at least `min` of them.
  joined(workload, min=1):: { workload: workload, joined: true, min: min },
  // Expectation: no member of `workload` is left in the ring.
  left(workload):: { workload: workload, left: true },
  // Expectation: nothing in the ring is in a transitional state, and every
  // member is a pod of the namespace (another system's members that joined
  // through memberlist, e.g. a Loki ingester, are not).
  settled:: { members: '.+', notIn: ['LEAVING', 'JOINING', 'PENDING'], ownPods: true },

  // Pod-metric gate: `series` compared with a threshold on every pod.
  podMetric(name, pods, series, op, threshold, onEmpty=null, timeout='5m'):: {
    name: name,
    podMetric: { pods: { labels: pods }, series: series, op: op, threshold: threshold } +
               (if onEmpty == null then {} else { onEmpty: onEmpty }),
    interval: '5s',
    timeout: timeout,
    consecutive: 2,
  },

  // The label matcher every PromQL selector of the built-in plans starts
  // with: the run's namespace, which mimirctl puts in place of $namespace
  // (as Grafana dashboards' template variable; Mimir's mixin selects its
  // cluster by the same label). One Prometheus often scrapes several Mimir
  // clusters, and a gate must not count another namespace's traffic.
  // Prometheus's Kubernetes scrape configs (kube-prometheus, Grafana Agent
  // and Alloy, Mimir's own jsonnet) name the label `namespace`; with
  // another name the gates find no series and stay inconclusive.
  inNamespace:: 'namespace="$namespace"',

  // PromQL gate on the summed result.
  promql(name, query, op, threshold, forDuration='1m', onEmpty=null, timeout='15m'):: {
    name: name,
    promql: { query: query, of: 'sum', op: op, threshold: threshold, 'for': forDuration } +
            (if onEmpty == null then {} else { onEmpty: onEmpty }),
    interval: '15s',
    timeout: timeout,
  },

  // PromQL gate: the components selected by `up` no longer receive what
  // `rate` measures. A component that received nothing since it started
  // has no series, so "idle" is read as the rate, or 0 while Prometheus
  // still scrapes the component: an empty result (nothing scraped, a wrong
  // selector) stays inconclusive, never a pass.
  idle(name, rate, up, forDuration='1m'):: self.promql(name, '(%s) or (sum(up{%s, %s}) * 0)' % [rate, self.inNamespace, up], '==', 0, forDuration=forDuration),

  // Rate of remote-write pushes received by the pods of Prometheus job
  // regex `job` (distributors, or mimir-write).
  pushRate(job):: 'sum(rate(cortex_request_duration_seconds_count{%s, job=~"%s", route=~"/distributor.Distributor/Push|/httpgrpc.*|api_(v1|prom)_push|otlp_v1_metrics"}[1m]))' % [self.inNamespace, job],

  // PromQL gate: the pods of `job` receive pushes (after routing writes to
  // them: a route to pods that get nothing is an outage, not a migration).
  receivesPushes(name, job):: self.promql(name, self.pushRate(job), '>', 0, forDuration='30s'),

  // Readiness of every selected pod.
  ready(name, pods, minPods=1):: {
    name: name,
    ready: { pods: { labels: pods }, minPods: minPods },
    interval: '5s',
    timeout: '10m',
    consecutive: 2,
  },

  // Long-term read gate (storeQuery): a range older than the queriers'
  // query_store_after and query_ingesters_within, which only store-gateways
  // answer, asked of each of `pods` (query-frontends or mimir-read), with
  // the settings read from `queriers`; the answer must hold samples. A
  // block no loaded store-gateway holds fails the query (Mimir's store
  // consistency check), so the gate fails too.
  longTermQuery(pods, queriers, tenant, query='', consecutive=3, timeout='10m'):: {
    name: 'long-term-query',
    storeQuery: { pods: { labels: pods }, queriers: { labels: queriers }, tenant: tenant } +
                (if query == '' then {} else { query: query }),
    interval: '10s',
    timeout: timeout,
    consecutive: consecutive,
  },

  // A jsonnet change to the environment's overlay file.
  jsonnet(change, name=null):: { jsonnet: change } + (if name == null then {} else { name: name }),

  // A helmValues action (the Helm environment's counterpart of jsonnet):
  // change is {set: VALUES, remove: [dotted.paths], noRollout, ...}.
  helmValues(change, name=null):: { helmValues: change } + (if name == null then {} else { name: name }),

  // The KEDA ScaledObject field of Grafana's Mimir jsonnet for each
  // Deployment field it can autoscale (autoscaling_*_enabled). The library
  // renders it null with autoscaling off.
  scaledObjects:: {
    distributor_deployment: 'distributor_scaled_object',
    querier_deployment: 'querier_scaled_object',
    query_frontend_deployment: 'query_frontend_scaled_object',
    ruler_deployment: 'ruler_scaled_object',
  },

  // The field of Grafana's library that renders `component`'s StatefulSet in
  // `zone`: zoneStatefulSet('mimir_write', 'zone-a') is
  // 'mimir_write_zone_a_statefulset'.
  zoneStatefulSet(component, zone):: component + '_' + std.strReplace(zone, '-', '_') + '_statefulset',

  // Replicas override of a library object (Deployment or StatefulSet field).
  // An autoscaled Deployment's ScaledObject is paused at the same count
  // (annotation autoscaling.keda.sh/paused-replicas: KEDA scales the target
  // to n and stops autoscaling it), or KEDA would scale a zeroed component
  // back up; with autoscaling off the library renders no ScaledObject and
  // the pause renders nothing.
  replicas(field, n)::
    { [field]: { spec: { replicas: n } } } +
    (if std.objectHas(self.scaledObjects, field) then
       { [self.scaledObjects[field]]: { metadata: { annotations: { 'autoscaling.keda.sh/paused-replicas': std.toString(n) } } } }
     else {}),

  // The overlay fields that replicas(field, n) writes for each of fields, for
  // a `remove: {objects: ...}` that gives them back to the library (and to
  // the autoscaler).
  replicasFields(fields):: std.flattenArrays([
    [f] + (if std.objectHas(self.scaledObjects, f) then [self.scaledObjects[f]] else [])
    for f in fields
  ]),
}
