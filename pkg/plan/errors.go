package plan

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/texttheater/golang-levenshtein/levenshtein"
)

// FieldError is one problem in a plan file, located by file, line and the
// path of the field inside the document.
type FieldError struct {
	File string
	Line int
	// Path is the field's path, e.g. "steps[2].actions[0].scale.replicas".
	Path string
	Msg  string
	// Hint says how to fix it, e.g. `did you mean "scale"?`.
	Hint string
}

func (e FieldError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Path != "" {
		b.WriteString(": " + e.Path)
	}
	b.WriteString(": " + e.Msg)
	if e.Hint != "" {
		b.WriteString(" (" + e.Hint + ")")
	}
	return b.String()
}

// parameterErrorPrefix starts the message of a Jsonnet error() with which
// a plan's step file refuses a combination of parameters, e.g. error
// 'parameters: oldStore=etcd needs -p configMode=runtime. ...'.
const parameterErrorPrefix = "parameters:"

// ParameterError is a plan refusing the parameters it was given (its step
// file's `error 'parameters: ...'`): the user's input is wrong, not the
// plan, so the message is the plan's own reason without a Jsonnet trace.
type ParameterError struct {
	Plan, File string
	// Msg is the plan's reason, after "parameters:".
	Msg string
}

func (e *ParameterError) Error() string {
	return fmt.Sprintf("plan %s refuses these parameters (%s): %s", e.Plan, e.File, e.Msg)
}

// ValidationError collects every problem found while loading a plan, so that
// an author fixes them all in one pass.
type ValidationError struct {
	Plan   string
	Errors []FieldError
}

func (e *ValidationError) Error() string {
	sort.SliceStable(e.Errors, func(i, j int) bool {
		a, b := e.Errors[i], e.Errors[j]
		if a.File != b.File {
			return a.File < b.File
		}
		return a.Line < b.Line
	})
	lines := make([]string, 0, len(e.Errors)+1)
	lines = append(lines, fmt.Sprintf("plan %s is invalid (%d problem%s):", e.Plan, len(e.Errors), plural(len(e.Errors))))
	for _, fe := range e.Errors {
		lines = append(lines, "  "+fe.Error())
	}
	return strings.Join(lines, "\n")
}

func (e *ValidationError) add(fe FieldError) { e.Errors = append(e.Errors, fe) }

func (e *ValidationError) errOrNil() error {
	if e == nil || len(e.Errors) == 0 {
		return nil
	}
	return e
}

// AsValidationError extracts a *ValidationError from err.
func AsValidationError(err error) (*ValidationError, bool) {
	var ve *ValidationError
	ok := errors.As(err, &ve)
	return ve, ok
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// Suggest returns the hint for got, a word that is none of known (a plan,
// parameter, field or step name): `did you mean "x"?` naming the known word
// got most likely means, or, when none is close, "known: " and the known
// words sorted, comma-separated; "there are none" when known is empty.
//
// The word meant is the closest by Levenshtein distance (see nearest); else
// the shortest that begins with got, an abbreviation such as
// "ingester-zone" for "ingester-zone-shutdown" (as cobra's command
// suggestions also match by prefix).
func Suggest(got string, known []string) string {
	if len(known) == 0 {
		return "there are none"
	}
	best := nearest(got, known)
	if best == "" {
		best = completion(got, known)
	}
	if best != "" {
		return fmt.Sprintf("did you mean %q?", best)
	}
	sorted := append([]string(nil), known...)
	sort.Strings(sorted)
	return "known: " + strings.Join(sorted, ", ")
}

// nearest returns the known word closest to got, ignoring case (the first
// of equally close ones), or "" when none is within half of got's length
// plus one edit.
func nearest(got string, known []string) string {
	best, bestDist := "", len(got)/2+2
	for _, k := range known {
		if d := editDistance(strings.ToLower(got), strings.ToLower(k)); d < bestDist {
			best, bestDist = k, d
		}
	}
	return best
}

// completion returns the shortest known word that begins with got, ignoring
// case (the first of equally long ones), or "" when got is empty or begins
// none.
func completion(got string, known []string) string {
	if got == "" {
		return ""
	}
	best := ""
	for _, k := range known {
		if strings.HasPrefix(strings.ToLower(k), strings.ToLower(got)) && (best == "" || len(k) < len(best)) {
			best = k
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in runes
// (insertions, deletions and substitutions each cost 1).
func editDistance(a, b string) int {
	return levenshtein.DistanceForStrings([]rune(a), []rune(b), levenshtein.DefaultOptionsWithSub)
}
