package diff

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/gonvenience/bunt"
	"github.com/homeport/dyff/pkg/dyff"
	"golang.org/x/term"
)

// ColorMode says when human reports are coloured.
type ColorMode int

const (
	// ColorAuto colours when the writer is a terminal.
	ColorAuto ColorMode = iota
	ColorAlways
	ColorNever
)

// colorMu guards bunt's process-wide colour switch, which dyff's human
// writer reads.
var colorMu sync.Mutex

// UseColor resolves mode for w.
func UseColor(w io.Writer, mode ColorMode) bool {
	switch mode {
	case ColorAlways:
		return true
	case ColorNever:
		return false
	}
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// withColor runs write with dyff's colours switched on or off.
func withColor(color bool, write func() error) error {
	colorMu.Lock()
	defer colorMu.Unlock()
	prevColor, prevTrue := bunt.ColorSetting.String(), bunt.TrueColorSetting.String()
	defer func() {
		_ = bunt.ColorSetting.Set(prevColor)
		_ = bunt.TrueColorSetting.Set(prevTrue)
	}()
	if color {
		bunt.SetColorSettings(bunt.ON, bunt.AUTO)
	} else {
		bunt.SetColorSettings(bunt.OFF, bunt.OFF)
	}
	return write()
}

// humanReport writes one dyff report body in dyff's style, without banner.
func humanReport(w io.Writer, r dyff.Report) error {
	h := dyff.HumanReport{
		Report:                r,
		Indent:                2,
		UseIndentLines:        true,
		MinorChangeThreshold:  0.1,
		MultilineContextLines: 4,
		OmitHeader:            true,
	}
	return h.WriteReport(w)
}

// WriteHuman writes the report for people: per object a heading with the
// action, then dyff's rendering of its changes. Colour follows mode.
func (r *Report) WriteHuman(w io.Writer, mode ColorMode) error {
	color := UseColor(w, mode)
	var buf bytes.Buffer
	err := withColor(color, func() error {
		for _, o := range r.Objects {
			fmt.Fprintf(&buf, "%s %s\n", bunt.Style(o.Ref.String(), bunt.Bold()), actionNote(o))
			if err := humanReport(&buf, o.report); err != nil {
				return fmt.Errorf("write the changes of %s: %w", o.Ref, err)
			}
		}
		if r.Empty() {
			buf.WriteString("no differences\n")
		} else {
			fmt.Fprintf(&buf, "%s\n", r.Summary())
		}
		return nil
	})
	if err != nil {
		return err
	}
	_, err = w.Write(buf.Bytes())
	return err
}

func actionNote(o ObjectDiff) string {
	switch o.Action {
	case ActionCreate:
		return "(to be created)"
	case ActionDelete:
		return "(to be deleted)"
	}
	if len(o.Changes) == 1 {
		return "(1 change)"
	}
	return fmt.Sprintf("(%d changes)", len(o.Changes))
}
