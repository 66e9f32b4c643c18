local p = std.extVar('params');
local sts = if p.statefulSet == '' then 'ingester-' + p.zone else p.statefulSet;
{
  id: 'shutdown-' + sts,
  title: 'Shut down %s (%s) without losing data' % [sts, p.zone],
  docs: [{ title: 'Scaling down ingesters deployed in multiple zones' }],
  minDuration: p.zoneShutdownMinDuration,
  actions: [
    { ingesterZoneShutdown: {
      statefulSet: sts,
      zone: p.zone,
      ringPods: { labels: p.ringPods },
      config: { querier: { labels: p.querierPods }, ruler: { labels: p.rulerPods }, storeGateway: { labels: p.storeGatewayPods }, compactor: { labels: p.compactorPods } },
    } },
  ] + (if p.tankaField == '' then [] else [{ jsonnet: { objects: { [p.tankaField]: { spec: { replicas: 0 } } } } }]),
  gates: [{
    name: sts + '-left',
    ring: { ring: 'ingester', pods: { labels: p.ringPods }, expect: [{ workload: sts, left: true }] },
    interval: '10s',
    timeout: '10m',
  }],
  undo: 'Scale %s back up: its ingesters start on their kept volumes (what they held is shipped) and take new writes. If the step stopped before the scale-down, end read-only mode instead: DELETE /ingester/prepare-instance-ring-downscale on each of its pods.' % sts,
}
