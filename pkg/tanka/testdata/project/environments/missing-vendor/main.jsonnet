local k = import 'ksonnet-util/kausal.libsonnet';
k { cm: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'm' } } }
