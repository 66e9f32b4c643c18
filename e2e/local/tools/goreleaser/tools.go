//go:build tools

// Package goreleaser pins GoReleaser v2, which builds mimirctl's release
// archives, checksums and SBOMs from .goreleaser.yaml (`goreleaser check`,
// `goreleaser release --snapshot`). Built only when named:
// `e2e/local/tools/build.sh goreleaser`.
package goreleaser

import _ "github.com/goreleaser/goreleaser/v2"
