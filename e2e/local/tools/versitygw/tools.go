//go:build tools

// Package versitygw pins the Versity S3 gateway (v1.8.0) that the local test
// cluster runs as a real S3-compatible object store (its posix backend on a
// pod volume), for Mimir deployed from Grafana's jsonnet library, which
// offers gcs, s3 and azure storage only.
package versitygw

import _ "github.com/versity/versitygw/cmd/versitygw"
