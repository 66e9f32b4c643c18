local m = import 'mimirctl.libsonnet';
local p = std.extVar('params');
local zones = std.extVar('zones');
local writers = ['mimir-write-' + z for z in zones];
local ingesters = ['ingester-' + z for z in zones];
local route =
  if p.writeService == '' then {
    manual: { instructions: 'Configure your load balancer to route write requests (/api/v1/push, /otlp/v1/metrics) to the distributors.' },
  } else {
    actions: [{ routeService: { service: p.writeService, selector: { name: 'distributor' } } }],
  };
[
  {
    id: '2.1-scale-up-write-microservices',
    title: 'Bring the ingesters and distributors back',
    why: |||
      The microservice ingesters join the ingester ring zone by zone next to mimir-write, and the
      distributors join the distributor ring, before any write reaches them. Their count is
      multi_zone_ingester_replicas (parameter ingesterReplicas): Grafana's library renders the zone
      StatefulSets with 0 replicas unless the environment sets it, which a read-write one does not.
    |||,
    // Each zone's ingesters take over what its mimir-write pods hold (6.2):
    // refuse fewer of them, or more series per ingester than its limit.
    actions: [
      { writeCapacity: {
        zone: z,
        ingesters: 'mimir-write-' + z,
        writers: 'ingester-' + z,
        replicas: p.ingesterReplicas,
        replicasParameter: 'ingesterReplicas',
        replicasKnob: 'multi_zone_ingester_replicas',
        allowShortfall: p.allowWriteCapacityShortfall,
      } }
      for z in zones
    ] + [m.jsonnet({ config: { multi_zone_ingester_replicas: p.ingesterReplicas }, remove: { objects: [m.zoneStatefulSet('ingester', z) for z in zones] + m.replicasFields(['distributor_deployment']) } })],
    gates: [
      m.ring('ingesters-joined', 'ingester', m.nameIn(writers + ingesters), [m.joined(i) for i in ingesters] + [m.settled]),
      m.ring('distributors-joined', 'distributor', m.nameIn(writers + ['distributor']), [m.joined('distributor')]),
    ],
    undo: 'Shut the microservice ingesters down zone by zone (ingester-zone-shutdown plan) before setting their replicas to 0 again.',
  },
  {
    id: '2.2-route-writes',
    title: 'Route write traffic to the distributors',
    gates: [
      m.receivesPushes('distributors-receive-pushes', p.distributorJob),
      m.idle('mimir-write-receives-no-pushes', m.pushRate(p.mimirWriteJob), 'job=~"%s"' % p.mimirWriteJob),
    ],
    undo: 'Route write requests back to mimir-write.',
  } + route,
]
