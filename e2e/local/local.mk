# The local Kubernetes test cluster (e2e/local), included by the top-level
# Makefile; on its own: make -f e2e/local/local.mk cluster-up
#
# LOCALCLUSTER is the cluster's CLI (up, down, status, env, logs); the
# component binaries land in e2e/local/bin (gitignored). Set
# LOCALCLUSTER_FLAGS for `up` (e.g. --nodes-per-zone 2 --prometheus-port 19090).

GO                 ?= go
LOCALCLUSTER       := $(CURDIR)/e2e/local/bin/localcluster
LOCALCLUSTER_FLAGS ?=

.PHONY: localcluster
localcluster: ## Build the localcluster CLI into e2e/local/bin
	$(GO) build -o $(LOCALCLUSTER) ./e2e/local/cmd/localcluster

.PHONY: tools
tools: localcluster ## Build the local cluster's components (Kubernetes 1.34, etcd, Mimir 2.9, 2.16 and 3.0.5, Consul, the Versity S3 gateway) and Tanka's tk into e2e/local/bin
	e2e/local/tools/build.sh

.PHONY: cluster-up
cluster-up: tools ## Start the local cluster in the background (idempotent) and print its shell exports
	$(LOCALCLUSTER) up $(LOCALCLUSTER_FLAGS)

.PHONY: cluster-down
cluster-down: localcluster ## Stop the local cluster and remove everything it created, also after a crash
	$(LOCALCLUSTER) down

.PHONY: cluster-status
cluster-status: localcluster ## Show whether the local cluster's components answer
	$(LOCALCLUSTER) status

.PHONY: cluster-test
cluster-test: tools ## Test the local cluster itself: Mimir Deployment and StatefulSet, DNS, volumes, Prometheus, clean teardown
	$(GO) test -count=1 -tags e2e -timeout 20m -v -run 'TestLocalCluster' ./e2e/local/cluster/
