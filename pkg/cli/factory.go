package cli

import (
	"github.com/mimirctl/mimirctl/pkg/mimirctl"
	"github.com/mimirctl/mimirctl/pkg/mimirctl/progress"
)

// Factory holds the global options and builds, on first use, what commands
// need to talk to the world. Its embedded Target (pkg/mimirctl) is the
// cluster, state store and plans the library calls act on; the root
// command's flags fill it. Nothing is connected when a command is built or
// parsed: Target's clients, pod access and state store are made by the
// first run layer (runX) that asks for them. Tests replace its function
// fields (Registry, Binder) and Clock.
type Factory struct {
	mimirctl.Target
	IO      IOStreams
	Output  string
	Verbose int
	// DisplayName is how the program is invoked when that is not
	// "mimirctl": "kubectl mimir" for the kubectl plugin (cmd/kubectl-mimir).
	DisplayName string
}

// BindOptions are the run-level choices a binder needs.
type BindOptions = mimirctl.BindOptions

// Holder names the person running mimirctl, for locks and approvals.
func Holder() string { return mimirctl.Holder() }

// approver names who approves: --as, or user@host.
func approver(as string) string { return mimirctl.Approver(as) }

// runHooks are the progress printer (and JSON events with -o json) and,
// on a terminal, the confirmation prompt of a run.
func (f *Factory) runHooks() mimirctl.RunHooks {
	sinks := fanout{progress.NewPrinter(f.IO.ErrOut, progress.Options{Terminal: f.IO.ErrTTY, Verbose: f.Verbose, Now: f.Clock.Now})}
	if f.Output == "json" {
		sinks = append(sinks, newJSONEvents(f.IO.Out))
	}
	h := mimirctl.RunHooks{Events: sinks}
	if f.IO.InTTY {
		h.Confirm = &ttyConfirmer{io: f.IO}
	}
	return h
}
