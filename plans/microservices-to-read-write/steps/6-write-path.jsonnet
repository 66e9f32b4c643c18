local m = import 'mimirctl.libsonnet';
local p = std.extVar('params');
local zones = std.extVar('zones');
local writers = ['mimir-write-' + z for z in zones];
local ingesters = ['ingester-' + z for z in zones];
local route =
  if p.writeService == '' then {
    manual: { instructions: 'Configure your load balancer to route write requests (/api/v1/push, /otlp/v1/metrics) to mimir-write.' },
  } else {
    actions: [{ routeService: { service: p.writeService, selector: { 'rollout-group': 'mimir-write' } } }],
  };
[
  {
    id: '6.1-scale-up-write',
    title: 'Scale up mimir-write',
    docs: [{ title: 'Step 6.1: Scale up write component' }],
    why: |||
      Mimir's read-write jsonnet gives each zone ceil(mimir_write_replicas / 3) mimir-write pods,
      which end up holding every series of the zone once its ingesters are shut down (7.2):
      before scaling up, each zone must get at least as many mimir-write pods as it has
      ingesters, and its in-memory series divided by them must stay under
      ingester.instance_limits.max_series.
    |||,
    actions: [
      { writeCapacity: { zone: z, replicas: p.mimirWriteReplicas, allowShortfall: p.allowWriteCapacityShortfall } }
      for z in zones
    ] + [m.jsonnet({ config: { mimir_write_replicas: p.mimirWriteReplicas } })],
    gates: [
      m.ring('mimir-write-in-ingester-ring', 'ingester', m.nameIn(['distributor'] + ingesters + writers),
             [m.joined(w) for w in writers] + [m.settled]),
      m.ring('mimir-write-in-distributor-ring', 'distributor', m.nameIn(['distributor'] + writers), [m.joined(w) for w in writers]),
    ],
    undo: 'Set mimir_write_replicas back to 0 only after shutting its ingesters down zone by zone (ingester-zone-shutdown plan).',
  },
  {
    id: '6.2-route-writes',
    title: 'Route write traffic to mimir-write',
    docs: [{ title: 'Step 6.2: Route traffic to mimir-write' }],
    gates: [
      m.receivesPushes('mimir-write-receives-pushes', p.mimirWriteJob),
      m.idle('distributors-receive-no-pushes', m.pushRate(p.distributorJob), 'job=~"%s"' % p.distributorJob),
    ],
    undo: 'Route write requests back to the distributors.',
  } + route,
]
