{
  querier_deployment: { spec: { replicas: 0 } },
}
