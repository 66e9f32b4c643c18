package cli

import (
	"io/fs"

	"github.com/mimirctl/mimirctl/pkg/mimirctl"
	"github.com/mimirctl/mimirctl/pkg/tanka"
)

// NewFactory returns the factory of the real program: the target has the
// engine's action and gate kinds and binder (mimirctl.NewTarget), and keeps
// renders in the user's cache directory (tanka.UserMemo; off with
// MIMIRCTL_RENDER_MEMO=off).
func NewFactory(io IOStreams, builtin fs.FS) *Factory {
	t := mimirctl.NewTarget(builtin)
	t.RenderMemo = tanka.UserMemo()
	return &Factory{IO: io, Target: *t}
}
