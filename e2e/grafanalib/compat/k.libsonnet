(import 'github.com/jsonnet-libs/k8s-libsonnet/1.21/main.libsonnet')
