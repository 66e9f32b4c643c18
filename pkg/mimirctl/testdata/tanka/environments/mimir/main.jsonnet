(import 'app.libsonnet') + (import 'mimirctl.libsonnet')
