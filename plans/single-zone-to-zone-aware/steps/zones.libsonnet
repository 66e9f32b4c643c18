// What the steps of this plan share: the zones, and the names and labels
// the deployment gives each component. Grafana's jsonnet labels every pod
// name=<component>; the mimir-distributed chart labels pods
// app.kubernetes.io/component=<component> and only zone pods name=<component>-<zone>
// (with rollout-group and zone), and prefixes workloads with its fullname.
local m = import 'mimirctl.libsonnet';
local p = std.extVar('params');
local helm = std.extVar('mimirctl.environment') == 'helm';
local zones = ['zone-a', 'zone-b', 'zone-c'];
local component(names) = 'app.kubernetes.io/component in (%s)' % std.join(', ', names);
local workload(name) = if helm then '%s-%s' % [p.helmFullname, name] else name;
{
  helm: helm,
  zones: zones,
  // Zone pods of a component per zone (ceil(n / 3)), or its formula when
  // `plans show` has no number.
  perZone(n):: if std.isNumber(n) then std.ceil(n / std.length(zones)) else 'ceil(%s / 3)' % n,
  // The workload of a component (Helm: FULLNAME-<component>).
  workload:: workload,
  // Label selectors of the components the steps judge.
  selectors:: {
    queryFrontend: if helm then component(['query-frontend']) else 'name=query-frontend',
    // Queriers and rulers (and the rulers' dedicated queriers).
    queryPath: if helm then component(['querier', 'ruler', 'ruler-querier']) else m.nameIn(['querier', 'ruler', 'ruler-querier']),
    queriers: if helm then component(['querier', 'ruler-querier']) else 'name=querier',
    querier: if helm then component(['querier']) else 'name=querier',
    ruler: if helm then component(['ruler']) else 'name=ruler',
    compactor: if helm then component(['compactor']) else 'name=compactor',
    distributorsAndRulers: if helm then component(['distributor', 'ruler']) else m.nameIn(['distributor', 'ruler']),
    oldStoreGateways: workload('store-gateway'),
    oldStoreGatewayPods: if helm then 'app.kubernetes.io/component=store-gateway,!rollout-group' else 'name=store-gateway',
    zoneStoreGatewayPods: m.nameIn(['store-gateway-' + z for z in zones]),
    oldIngesters: workload('ingester'),
    zoneIngesters: [workload('ingester-' + z) for z in zones],
    // Every ingester, old and zone.
    ingesters: if helm then component(['ingester']) else m.nameIn(['ingester-' + z for z in zones] + ['ingester']),
    // Pods that serve the ingester ring.
    ringPods: if helm then component(['distributor', 'ingester']) else m.nameIn(['distributor'] + ['ingester-' + z for z in zones] + ['ingester']),
    zoneRingPods: if helm then component(['distributor', 'ingester']) else m.nameIn(['distributor'] + ['ingester-' + z for z in zones]),
  },
  // Helm: the chart sizes the zone StatefulSets from <component>.replicas, so
  // a replicas parameter must be what the release's values give it.
  expectReplicas(path, n, parameter):: { path: path, value: n, parameter: parameter },
  // Helm: the guide turns the chart's rollout-operator subchart on with the
  // zones (it rolls their OnDelete StatefulSets).
  rolloutOperator:: if p.rolloutOperator then { rollout_operator: { enabled: true } } else {},
}
