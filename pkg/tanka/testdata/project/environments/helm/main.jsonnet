// Grafana's chart style: helmTemplate through Tanka's tanka-util calling
// convention (calledFrom: std.thisFile), with every option helm template takes.
{
  tiny: std.native('helmTemplate')('mimir', './charts/tiny', {
    calledFrom: std.thisFile,
    namespace: 'mimir',
    values: { replicas: 3, widget: { size: 2.25 } },
    kubeVersion: '1.33.0',
    apiVersions: ['monitoring.coreos.com/v1'],
  }),
}
