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
    single-zone-to-zone-aware plan: here mimirctl refuses to delete a StatefulSet that still
    runs pods.
  |||,
  docs: [{ title: 'Step 1: Configure prerequisite zone-awareness' }],
  actions: [m.jsonnet({ config: { multi_zone_ingester_enabled: true, multi_zone_store_gateway_enabled: true } })],
  gates: [
    m.ring('ingester-zones', 'ingester', m.nameIn(['distributor'] + ingesters),
           [{ members: '.+', joined: true, perZone: { zones: zones, min: 1 } }]),
    m.ring('store-gateway-zones', 'store-gateway', m.nameIn(['store-gateway-' + z for z in zones]),
           [{ members: '.+', joined: true, perZone: { zones: zones, min: 1 } }]),
  ],
  undo: 'Remove multi_zone_ingester_enabled and multi_zone_store_gateway_enabled from mimirctl.libsonnet only if the cluster was zone-aware by other means.',
}
