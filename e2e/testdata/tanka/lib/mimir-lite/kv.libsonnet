// Where rings and the HA tracker keep their state: Consul, memberlist, or
// both behind a multi KV store while migrating (memberlist.libsonnet of the
// real library), and the flags every ring member or reader needs.
local k = import 'k.libsonnet';

{
  local c = $._config,
  local storeFlags(prefix, stores) =
    (if std.member(stores, 'consul') then { [prefix + '.consul.hostname']: c.consul_address } else {}) +
    (if std.member(stores, 'etcd') then { [prefix + '.etcd.endpoints']: c.etcd_address } else {}),

  kv:: {
    // Components gossip when a ring or the HA tracker they use is on
    // memberlist (also while a multi KV store still has Consul primary).
    ringsGossip:: c.memberlist_ring_enabled,
    haTrackerGossips:: std.member(c.ha_tracker_stores, 'memberlist'),

    // The KV store flags of one ring, e.g. prefix 'ingester.ring'. The
    // migration's store=multi is a flag (a rollout); primary and mirroring
    // are then switched at runtime through multi_kv_config.
    ringStore(prefix)::
      if c.ring_kvstore == 'consul' then { [prefix + '.store']: 'consul' } + storeFlags(prefix, ['consul'])
      else if c.ring_kvstore == 'multi' then {
        [prefix + '.store']: 'multi',
        [prefix + '.multi.primary']: c.multikv_primary,
        [prefix + '.multi.secondary']: c.multikv_secondary,
      } + storeFlags(prefix, [c.multikv_primary, c.multikv_secondary])
      else { [prefix + '.store']: 'memberlist' },

    // What every reader of a ring needs: its store and when an instance
    // counts as unhealthy. keyPrefix, when not null, replaces Mimir's
    // default key prefix, which keeps rings apart that share a key name
    // (the ingester and ruler rings are both "ring", under collectors/ and
    // rulers/).
    ringClient(prefix, keyPrefix=null):: $.kv.ringStore(prefix) + {
      [if keyPrefix != null then prefix + '.prefix']: keyPrefix,
      [prefix + '.heartbeat-timeout']: c.ring_heartbeat_timeout,
    },

    // What a ring member adds: its id and address from the pod, and how
    // often it heartbeats.
    ringMember(prefix):: {
      [prefix + '.instance-id']: '$(POD_NAME)',
      [prefix + '.instance-addr']: '$(POD_IP)',
      [prefix + '.heartbeat-period']: c.ring_heartbeat_period,
    },

    // Memberlist flags for a gossiping component.
    memberlist:: {
      'memberlist.bind-port': $.util.gossipPort,
      'memberlist.join': 'dns+gossip-ring.%s.svc.%s:%d' % [c.namespace, c.cluster_domain, $.util.gossipPort],
      'memberlist.advertise-addr': '$(POD_IP)',
      'memberlist.nodename': '$(POD_NAME)',
      [if c.memberlist_cluster_label != '' then 'memberlist.cluster-label']: c.memberlist_cluster_label,
      [if c.memberlist_cluster_label_verification_disabled then 'memberlist.cluster-label-verification-disabled']: true,
    },
    memberlistIf(gossips):: if gossips then $.kv.memberlist else {},

    // The distributor's HA tracker. Unlike the rings it never reads
    // multi_kv_config, so primary and mirroring are flags too.
    haTracker::
      if !c.ha_tracker_enabled then {}
      else {
        'distributor.ha-tracker.enable': true,
        'distributor.ha-tracker.enable-for-all-users': true,
        'distributor.ha-tracker.prefix': c.ha_tracker_prefix,
        'distributor.ha-tracker.store': c.ha_tracker_kvstore,
      } + storeFlags('distributor.ha-tracker', c.ha_tracker_stores) + (
        if c.ha_tracker_kvstore != 'multi' then {} else {
          'distributor.ha-tracker.multi.primary': c.ha_tracker_multikv_primary,
          'distributor.ha-tracker.multi.secondary': c.ha_tracker_multikv_secondary,
          'distributor.ha-tracker.multi.mirror-enabled': c.ha_tracker_multikv_mirror_enabled,
        }
      ),
  },

  // Headless, with pods listed before they are ready: memberlist joins
  // through it while every member is still starting.
  gossip_ring_service:
    if !($.kv.ringsGossip || $.kv.haTrackerGossips) then null
    else k.core.v1.service.new('gossip-ring', { gossip_ring_member: 'true' }, [
      { name: 'gossip-ring', port: $.util.gossipPort, targetPort: $.util.gossipPort, protocol: 'TCP' },
    ]) + k.core.v1.service.headless + { spec+: { publishNotReadyAddresses: true } },
}
