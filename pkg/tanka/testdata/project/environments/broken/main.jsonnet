local replicas = 3;

{
  cm: {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'broken' },
    data: { replicas: replicas + 'x' + error 'replicas must be set' },
  },
}
