package cli

import (
	"io/fs"

	"github.com/mimirctl/mimirctl/pkg/mimirctl"
)

// NewFactory returns the factory of the real program: the target has the
// engine's action and gate kinds and binder (mimirctl.NewTarget).
func NewFactory(io IOStreams, builtin fs.FS) *Factory {
	return &Factory{IO: io, Target: *mimirctl.NewTarget(builtin)}
}
