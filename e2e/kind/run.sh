#!/usr/bin/env bash
# Runs mimirctl's end-to-end suite on a kind cluster, for machines with a
# Docker engine. It builds images from the same pinned component builds the
# local cluster uses, loads them into kind, installs Prometheus, and runs
# `go test -tags e2e ./e2e/suite` against the cluster.
#
# usage: e2e/kind/run.sh [go test flags, e.g. -run TestZonesLoseNoSample]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
name=${KIND_CLUSTER_NAME:-mimirctl-e2e}
bin=$root/e2e/local/bin

command -v kind >/dev/null || { echo "kind is needed: https://kind.sigs.k8s.io/" >&2; exit 1; }
command -v docker >/dev/null || { echo "a Docker engine is needed" >&2; exit 1; }

"$root/e2e/local/tools/build.sh" mimir2 mimir3 consul etcd

# image BINARY ENTRYPOINT TAG: an image running BINARY as ENTRYPOINT.
image() {
	local ctx
	ctx=$(mktemp -d)
	cp "$bin/$1" "$ctx/$1"
	sed "s#/entrypoint-placeholder#$2#" "$here/Dockerfile" >"$ctx/Dockerfile"
	docker build -q --build-arg "BINARY=$1" --build-arg "ENTRYPOINT=$2" -t "$3" "$ctx" >/dev/null
	rm -rf "$ctx"
}
image mimir2 /bin/mimir grafana/mimir:2.9.0
image mimir3 /bin/mimir grafana/mimir:3.0.5
# The read-write round trip runs Grafana's official 2.16.0 image (the local
# cluster runs bin/mimir216, built from the same release's module).
docker pull -q grafana/mimir:2.16.0 >/dev/null
image consul /bin/consul hashicorp/consul:1.16.1
image etcd /usr/local/bin/etcd quay.io/coreos/etcd:v3.6.4
# grafana/rollout-operator as Grafana's libraries name it (2.16: the
# library's images.libsonnet; 3.0.5: its rollout-operator dependency,
# e2e/grafanalib/compat): the environments deploy it in place of the
# suite's stand-in (MIMIRCTL_E2E_ROLLOUT_OPERATOR=image below;
# grafanalib's TestRolloutOperatorLibDeploysTheLibrarysOperator checks
# that these are the images they run).
rollout_operators=(grafana/rollout-operator:v0.26.0 grafana/rollout-operator:v0.36.1)
for img in "${rollout_operators[@]}"; do
	docker pull -q "$img" >/dev/null
done

mkdir -p /tmp/mimirctl-kind-storage
kind get clusters | grep -qx "$name" || kind create cluster --name "$name" --config "$here/kind-config.yaml"
for img in grafana/mimir:2.9.0 grafana/mimir:2.16.0 grafana/mimir:3.0.5 hashicorp/consul:1.16.1 quay.io/coreos/etcd:v3.6.4 "${rollout_operators[@]}"; do
	kind load docker-image --name "$name" "$img"
done
kubeconfig=$(mktemp)
kind get kubeconfig --name "$name" >"$kubeconfig"
kubectl --kubeconfig "$kubeconfig" apply -f "$here/prometheus.yaml"
kubectl --kubeconfig "$kubeconfig" -n monitoring rollout status deployment/prometheus --timeout=5m

cd "$root"
MIMIRCTL_E2E_KUBECONFIG=$kubeconfig MIMIRCTL_E2E_PROMETHEUS_URL=http://127.0.0.1:19090 \
	MIMIRCTL_E2E_ROLLOUT_OPERATOR=${MIMIRCTL_E2E_ROLLOUT_OPERATOR:-image} \
	go test -count=1 -tags e2e -timeout 90m -v ./e2e/suite "$@"
