{
  zoneStep(zone, ns):: {
    id: '2-shutdown-' + zone,
    title: 'Shut down ' + zone + ' in ' + ns,
    actions: [{ set: { key: zone, value: 'down', destructive: true } }],
    manual: { instructions: 'Confirm ' + zone + ' traffic is drained' },
  },
}
