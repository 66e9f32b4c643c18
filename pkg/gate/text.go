package gate

import (
	"fmt"
	"regexp"
)

// WholeMatch compiles a step-file pattern so that it matches whole names
// (pod names, instance ids, KV keys, label values), as PromQL's =~ does.
func WholeMatch(pattern string) (*regexp.Regexp, error) {
	return regexp.Compile("^(?:" + pattern + ")$")
}

// FormatBounds renders count bounds for messages: "= 3", "1..5", "≥ 1",
// "≤ 5", or "any number" when neither is set.
func FormatBounds(lo, hi *int) string {
	switch {
	case lo != nil && hi != nil && *lo == *hi:
		return fmt.Sprintf("= %d", *lo)
	case lo != nil && hi != nil:
		return fmt.Sprintf("%d..%d", *lo, *hi)
	case lo != nil:
		return fmt.Sprintf("≥ %d", *lo)
	case hi != nil:
		return fmt.Sprintf("≤ %d", *hi)
	}
	return "any number"
}
