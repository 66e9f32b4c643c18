local m = import 'mimirctl.libsonnet';
local zones = std.extVar('zones');
local ingesters = ['ingester-' + z for z in zones];
{
  id: '1-zone-awareness',
  title: 'Configure zone awareness for ingesters and store-gateways',
  why: |||
    Read-write mode requires multi-zone ingesters and store-gateways: mimir-write and
    mimir-backend run one StatefulSet per zone and join the same zone-aware rings.
    A cluster without zone awareness must first be migrated to it with its own procedure, the
    single-zone-to-zone-aware plan: this step refuses while single-zone ingesters run (and
    mimirctl never deletes a StatefulSet that still runs pods).
  |||,
  docs: [{ title: 'Step 1: Configure prerequisite zone-awareness' }],
  actions: [m.jsonnet({
    config: { multi_zone_ingester_enabled: true, multi_zone_store_gateway_enabled: true },
    // The library's single-zone ingesters are the pods named ingester; the
    // distributors are selected too, so that a zone-aware cluster (no such
    // pod) is judged on pods that exist.
    refuseWhile: {
      pods: { labels: m.nameIn(['distributor', 'ingester']) },
      series: 'cortex_ingester_memory_series',
      means: 'runs as a single-zone ingester',
      because: 'this cluster is not zone-aware yet, and this step would delete its single-zone ingesters with the series they hold; move it to zones first with its own procedure: mimirctl plans show single-zone-to-zone-aware, then mimirctl apply single-zone-to-zone-aware -p ingesterReplicas=N -p storeGatewayReplicas=M --env ENV',
    },
  })],
  gates: [
    m.ring('ingester-zones', 'ingester', m.nameIn(['distributor'] + ingesters),
           [{ members: '.+', joined: true, perZone: { zones: zones, min: 1 } }]),
    m.ring('store-gateway-zones', 'store-gateway', m.nameIn(['store-gateway-' + z for z in zones]),
           [{ members: '.+', joined: true, perZone: { zones: zones, min: 1 } }]),
  ],
  undo: 'Remove multi_zone_ingester_enabled and multi_zone_store_gateway_enabled from mimirctl.libsonnet only if the cluster was zone-aware by other means.',
}
