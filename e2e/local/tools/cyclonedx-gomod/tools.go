//go:build tools

// Package cyclonedxgomod pins CycloneDX's cyclonedx-gomod, which
// .goreleaser.yaml runs to write each release binary's SBOM from the module
// graph Go records in the binary (`cyclonedx-gomod bin`), instead of
// GoReleaser's default, syft. Built only when named:
// `e2e/local/tools/build.sh goreleaser` builds both.
package cyclonedxgomod

import _ "github.com/CycloneDX/cyclonedx-gomod/cmd/cyclonedx-gomod"
