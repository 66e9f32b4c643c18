// Package duration holds the one duration type of mimirctl's step files,
// run state, flags and JSON output. It is a leaf: the plan executor, the
// gates and the actions all use it, and it imports none of them.
package duration

import (
	"fmt"
	"strconv"
	"time"

	"gopkg.in/yaml.v3"
)

// Duration is a time.Duration written as a Go duration string ("90s", "5m",
// "2h"). It reads the same from YAML (with the line of a bad value), JSON
// and text: a Go duration string or a bare integer number of seconds, never
// negative. It writes the string form (time.Duration.String).
type Duration time.Duration

// D returns the value as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// String formats the duration the way time.Duration does ("1m30s").
func (d Duration) String() string { return time.Duration(d).String() }

// Parse reads a Go duration string ("90s", "1h30m") or a bare integer
// number of seconds ("90"). It returns an error naming s for anything else
// and for a negative value.
func Parse(s string) (Duration, error) {
	v, err := time.ParseDuration(s)
	if secs, ierr := strconv.ParseInt(s, 10, 64); ierr == nil {
		v, err = time.Duration(secs)*time.Second, nil
	}
	if err != nil {
		return 0, fmt.Errorf("invalid duration %q (write it like 30s, 5m or 2h)", s)
	}
	if v < 0 {
		return 0, fmt.Errorf("negative duration %q", s)
	}
	return Duration(v), nil
}

// MarshalText writes the duration as a string (JSON, YAML and text alike).
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads what Parse reads (JSON strings and text).
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := Parse(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// UnmarshalYAML reads a scalar as Parse does; its errors start with
// "line N: ", which the plan loader turns into a file position.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: a duration must be a string like 30s, 5m or 2h", n.Line)
	}
	value := n.Value
	if n.Tag == "!!int" { // 0x10, 1_000: YAML's integer forms
		var secs int64
		if err := n.Decode(&secs); err != nil {
			return err
		}
		value = strconv.FormatInt(secs, 10)
	}
	v, err := Parse(value)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	*d = v
	return nil
}
