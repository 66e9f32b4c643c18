package cli

import (
	"io"
	"os"

	"golang.org/x/term"

	"github.com/mimirctl/mimirctl/pkg/mimirctl/progress"
)

// IOStreams are the standard streams with what is known about them.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
	// InTTY is true when a person can answer prompts on In.
	InTTY bool
	// ErrTTY is true when ErrOut is a terminal (colour, countdowns).
	ErrTTY bool
	// OutTTY is true when Out is a terminal (colour in diffs).
	OutTTY bool
}

// SystemStreams returns the process's streams.
func SystemStreams() IOStreams {
	return IOStreams{
		In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr,
		InTTY:  term.IsTerminal(int(os.Stdin.Fd())),
		ErrTTY: progress.ColorTerminal(os.Stderr),
		OutTTY: progress.ColorTerminal(os.Stdout),
	}
}
