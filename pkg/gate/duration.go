package gate

import (
	"fmt"
	"strconv"
	"time"
)

// Duration is a time.Duration written in step files as a Go duration string
// ("90s", "5m", "2h"). It reads from YAML and JSON alike.
type Duration time.Duration

// D returns the value as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// String writes the duration the way time.Duration does.
func (d Duration) String() string { return time.Duration(d).String() }

// MarshalText writes the duration as a string.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads a Go duration string, or a bare integer number of
// seconds as the plan loader's durations do; negative durations are refused.
func (d *Duration) UnmarshalText(b []byte) error {
	if secs, err := strconv.ParseInt(string(b), 10, 64); err == nil {
		b = []byte(strconv.FormatInt(secs, 10) + "s")
	}
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("duration %q: want a Go duration such as 90s, 5m or 2h", b)
	}
	if v < 0 {
		return fmt.Errorf("duration %q must not be negative", b)
	}
	*d = Duration(v)
	return nil
}
