#!/usr/bin/env bash
# Builds the real components of the local test cluster from their published Go
# modules (one wrapper module per component in this directory) into BIN_DIR.
# A binary is rebuilt only when its wrapper module or this script changed, so a
# warm run takes a second; keep GOCACHE and GOMODCACHE between runs.
#
# usage: build.sh [component...]   (default: all but goreleaser)
# components: kube etcd mimir2 mimir216 mimir3 consul tk versitygw goreleaser (with cyclonedx-gomod)
set -euo pipefail
# Each component has its own wrapper module here; the repository's go.work
# (product + e2e) must not capture them.
export GOWORK=off

here=$(cd "$(dirname "$0")" && pwd)
BIN_DIR=${BIN_DIR:-$here/../bin}
mkdir -p "$BIN_DIR"
BIN_DIR=$(cd "$BIN_DIR" && pwd)

kube_version=v1.34.4
mimir2_version=2.9.0 # VERSION file of github.com/grafana/mimir@v0.0.0-20230630050318-e4d286c69115
mimir216_version=2.16.0 # VERSION file of github.com/grafana/mimir@v1.3.1-0.20250422071521-e0840d372c6b
mimir3_version=3.0.5 # VERSION file of github.com/grafana/mimir@v1.3.1-0.20260423142704-aced80d74930
tk_version=v0.38.0    # github.com/grafana/tanka, as required in tk/go.mod
versitygw_version=v1.8.0 # github.com/versity/versitygw, as required in versitygw/go.mod
goreleaser_version=v2.15.1 # github.com/goreleaser/goreleaser/v2, as required in goreleaser/go.mod
cyclonedx_version=v1.10.0 # github.com/CycloneDX/cyclonedx-gomod, as required in cyclonedx-gomod/go.mod

# up_to_date OUTPUT... : true when every output exists and is newer than the inputs.
up_to_date() {
	local dir=$1
	shift
	local out
	for out in "$@"; do
		[ -x "$BIN_DIR/$out" ] || return 1
		for input in "$dir/go.mod" "$dir/go.sum" "$here/build.sh"; do
			[ "$BIN_DIR/$out" -nt "$input" ] || return 1
		done
	done
}

log() { printf '==> %s\n' "$*" >&2; }

build_kube() {
	up_to_date "$here/kube" kube-apiserver kube-controller-manager kube-scheduler kubectl && return
	log "building Kubernetes $kube_version control plane (about 6 minutes cold)"
	local ld="-s -w" p
	for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
		ld="$ld -X $p.gitVersion=$kube_version -X $p.gitMajor=1 -X $p.gitMinor=34 -X $p.gitTreeState=clean"
	done
	(cd "$here/kube" && go build -ldflags "$ld" -o "$BIN_DIR/" \
		k8s.io/kubernetes/cmd/kube-apiserver \
		k8s.io/kubernetes/cmd/kube-controller-manager \
		k8s.io/kubernetes/cmd/kube-scheduler \
		k8s.io/kubernetes/cmd/kubectl)
	touch "$BIN_DIR"/kube-apiserver "$BIN_DIR"/kube-controller-manager "$BIN_DIR"/kube-scheduler "$BIN_DIR"/kubectl
}

build_etcd() {
	up_to_date "$here/etcd" etcd && return
	log "building etcd 3.6.4"
	(cd "$here/etcd" && go build -ldflags "-s -w" -o "$BIN_DIR/etcd" go.etcd.io/etcd/server/v3)
}

# mimir_ldflags VERSION: stamps the version the way Mimir's own Makefile does,
# so /api/v1/status/buildinfo and cortex_build_info report it.
mimir_ldflags() {
	local p=github.com/grafana/mimir/pkg/util/version
	echo "-s -w -X $p.Version=$1 -X $p.Branch=main -X $p.Revision=$2"
}

build_mimir2() {
	up_to_date "$here/mimir2" mimir2 && return
	log "building Grafana Mimir $mimir2_version (about 2 minutes cold)"
	(cd "$here/mimir2" && GOFLAGS=-mod=mod GONOSUMDB=github.com/grafana \
		go build -ldflags "$(mimir_ldflags $mimir2_version e4d286c69115)" -o "$BIN_DIR/mimir2" github.com/grafana/mimir/cmd/mimir)
}

# build_mimir216: the newest Mimir 2.x whose dependencies the module proxy
# serves (later 2.x commits need github.com/grafana/alerting versions it
# refuses), for the read-write round trip on Grafana's 2.16 library.
build_mimir216() {
	up_to_date "$here/mimir216" mimir216 && return
	log "building Grafana Mimir $mimir216_version (about 4 minutes cold)"
	(cd "$here/mimir216" && GOFLAGS=-mod=mod GONOSUMDB=github.com/grafana \
		go build -ldflags "$(mimir_ldflags $mimir216_version e0840d372c6b)" -o "$BIN_DIR/mimir216" github.com/grafana/mimir/cmd/mimir)
}

build_mimir3() {
	up_to_date "$here/mimir3" mimir3 && return
	log "building Grafana Mimir $mimir3_version (about 4 minutes cold)"
	(cd "$here/mimir3" && GONOSUMDB=github.com/grafana \
		go build -ldflags "$(mimir_ldflags $mimir3_version aced80d74930)" -o "$BIN_DIR/mimir3" github.com/grafana/mimir/cmd/mimir)
}

build_consul() {
	up_to_date "$here/consul" consul && return
	log "building Consul 1.16.1 (about 3 minutes cold)"
	(cd "$here/consul" && GOFLAGS=-mod=mod GONOSUMDB=github.com/hashicorp/consul \
		go build -ldflags "-s -w" -o "$BIN_DIR/consul" github.com/hashicorp/consul)
}

# build_tk: Grafana Tanka's CLI, the oracle pkg/tanka's renderer is compared
# with (pkg/tanka TestRenderMatchesRealTanka). The version is stamped as in
# Tanka's release builds, so that spec.expectVersions is checked as for users.
build_tk() {
	up_to_date "$here/tk" tk && return
	log "building Grafana Tanka $tk_version (about 40 seconds cold)"
	(cd "$here/tk" && go build -ldflags "-s -w -X github.com/grafana/tanka/pkg/tanka.CurrentVersion=$tk_version" \
		-o "$BIN_DIR/tk" github.com/grafana/tanka/cmd/tk)
}

# build_versitygw: the Versity S3 gateway, a real S3-compatible object store
# (posix backend) for Mimir deployed from Grafana's library, whose storage
# backends are gcs, s3 and azure. Mimir 3.0.5 ships its blocks to it with
# common.storage.backend s3 and an http endpoint.
build_versitygw() {
	up_to_date "$here/versitygw" versitygw && return
	log "building the Versity S3 gateway $versitygw_version (about 3 minutes cold)"
	(cd "$here/versitygw" && go build -ldflags "-s -w -X main.Version=$versitygw_version" \
		-o "$BIN_DIR/versitygw" github.com/versity/versitygw/cmd/versitygw)
}

# build_goreleaser: GoReleaser, which .goreleaser.yaml (release archives,
# checksums, SBOMs) is written for, and cyclonedx-gomod, the SBOM generator
# that configuration runs. Not part of the default set (the local cluster
# does not need them): .ci/run builds them for make release-snapshot.
build_goreleaser() {
	if ! up_to_date "$here/cyclonedx-gomod" cyclonedx-gomod; then
		log "building cyclonedx-gomod $cyclonedx_version (about 20 seconds cold)"
		(cd "$here/cyclonedx-gomod" && go build -ldflags "-s -w" -o "$BIN_DIR/cyclonedx-gomod" github.com/CycloneDX/cyclonedx-gomod/cmd/cyclonedx-gomod)
	fi
	up_to_date "$here/goreleaser" goreleaser && return
	log "building GoReleaser $goreleaser_version (about 7 minutes cold on 2 cores)"
	(cd "$here/goreleaser" && go build -ldflags "-s -w -X main.version=$goreleaser_version -X main.builtBy=mimirctl-build.sh" \
		-o "$BIN_DIR/goreleaser" github.com/goreleaser/goreleaser/v2)
}

components=("$@")
[ ${#components[@]} -gt 0 ] || components=(kube etcd mimir2 mimir216 mimir3 consul tk versitygw)
for c in "${components[@]}"; do
	case $c in
	kube | etcd | mimir2 | mimir216 | mimir3 | consul | tk | versitygw | goreleaser) "build_$c" ;;
	*)
		echo "build.sh: unknown component $c (known: kube etcd mimir2 mimir216 mimir3 consul tk versitygw goreleaser)" >&2
		exit 2
		;;
	esac
done
