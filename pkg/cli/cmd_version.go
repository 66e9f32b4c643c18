package cli

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
	"strconv"

	"github.com/spf13/cobra"
)

// Version is set at build time with
// -ldflags "-X github.com/mimirctl/mimirctl/pkg/cli.Version=$(git describe --tags --always --dirty)"
// (the Makefile's build target does so). Left at "dev", `mimirctl version`
// reports the module version Go recorded instead (a `go install ...@v1.2.3`
// build), see buildInfo.
var Version = "dev"

// BuildInfo is what `mimirctl version -o json` prints.
type BuildInfo struct {
	// Version is the -ldflags stamp (git describe), else the main module's
	// version from the Go build info, else "dev".
	Version string `json:"version"`
	// GoVersion is the Go toolchain that built the binary (runtime.Version).
	GoVersion string `json:"goVersion"`
	// Revision is the VCS commit the binary was built from (build info
	// setting vcs.revision); empty when built outside a checkout.
	Revision string `json:"revision,omitempty"`
	// RevisionTime is that commit's time, RFC 3339 (vcs.time).
	RevisionTime string `json:"revisionTime,omitempty"`
	// Modified is true when the working tree had uncommitted changes
	// (vcs.modified); absent when unknown.
	Modified *bool `json:"modified,omitempty"`
	// Platform is GOOS/GOARCH.
	Platform string `json:"platform"`
	// Plans are the built-in plans and the Mimir versions each supports.
	Plans []PlanVersions `json:"plans,omitempty"`
}

// PlanVersions names a built-in plan and its supported Mimir versions (the
// plan's mimirVersions constraint; "" means any).
type PlanVersions struct {
	Name          string `json:"name"`
	MimirVersions string `json:"mimirVersions,omitempty"`
}

// buildInfo gathers the version stamp and what the Go linker recorded
// (runtime/debug.ReadBuildInfo; settings documented in `go help buildinfo`
// / the debug.BuildSetting docs).
func buildInfo(stamp string, bi *debug.BuildInfo, ok bool) BuildInfo {
	v := BuildInfo{Version: stamp, GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if v.Version == "" {
		v.Version = "dev"
	}
	if !ok || bi == nil {
		return v
	}
	if v.Version == "dev" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		v.Version = bi.Main.Version
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			v.Revision = s.Value
		case "vcs.time":
			v.RevisionTime = s.Value
		case "vcs.modified":
			if m, err := strconv.ParseBool(s.Value); err == nil {
				v.Modified = &m
			}
		}
	}
	return v
}

// VersionOptions are the parsed command line of `mimirctl version`.
type VersionOptions struct {
	// Factory is where the command runs (built-in plans, streams, output
	// format).
	Factory *Factory
}

// NewCmdVersion builds `mimirctl version`. runF runs the parsed command
// (runVersion when nil); parse-layer tests pass their own to capture opts.
func NewCmdVersion(f *Factory, runF func(ctx context.Context, opts *VersionOptions) error) *cobra.Command {
	opts := &VersionOptions{Factory: f}
	if runF == nil {
		runF = runVersion
	}
	return &cobra.Command{
		Use:   "version",
		Short: "Print mimirctl's version, build and the Mimir versions of its built-in plans",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runF(cmd.Context(), opts)
		},
	}
}

// runVersion prints the BuildInfo (as JSON with -o json) with the Mimir
// versions of the built-in plans. It reads no cluster.
func runVersion(_ context.Context, opts *VersionOptions) error {
	f := opts.Factory
	bi, ok := debug.ReadBuildInfo()
	v := buildInfo(Version, bi, ok)
	plans, err := planVersions(f)
	if err != nil {
		return err
	}
	v.Plans = plans
	if f.Output == "json" {
		return writeJSON(f.IO.Out, v)
	}
	fmt.Fprintf(f.IO.Out, "mimirctl %s (%s, %s)\n", v.Version, v.GoVersion, v.Platform)
	if v.Revision != "" {
		dirty := ""
		if v.Modified != nil && *v.Modified {
			dirty = ", modified"
		}
		fmt.Fprintf(f.IO.Out, "commit %s %s%s\n", v.Revision, v.RevisionTime, dirty)
	}
	for _, p := range v.Plans {
		mv := p.MimirVersions
		if mv == "" {
			mv = "any"
		}
		fmt.Fprintf(f.IO.Out, "plan %s: Mimir %s\n", p.Name, mv)
	}
	return nil
}

// planVersions reads the mimirVersions of every built-in plan (metadata
// only: no step is decoded).
func planVersions(f *Factory) ([]PlanVersions, error) {
	if f.BuiltinPlans == nil {
		return nil, nil
	}
	builtin, err := f.BuiltinPlansMetadata()
	if err != nil {
		return nil, err
	}
	out := make([]PlanVersions, 0, len(builtin))
	for _, p := range builtin {
		out = append(out, PlanVersions{Name: p.Name, MimirVersions: p.MimirVersions})
	}
	return out, nil
}
