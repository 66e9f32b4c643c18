//go:build tools

// Package etcd pins the etcd server that backs the local test cluster's API
// server and serves as an old KV store for Mimir in the KV migration tests.
package etcd

import _ "go.etcd.io/etcd/server/v3"
