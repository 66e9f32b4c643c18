package ringcheck

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
)

// Format is how Render writes a ring.
type Format string

// Output formats of `mimirctl ring NAME`.
const (
	FormatTable Format = "table"
	FormatJSON  Format = "json"
)

// ParseFormat validates an --output value.
func ParseFormat(s string) (Format, error) {
	switch Format(s) {
	case FormatTable, FormatJSON:
		return Format(s), nil
	}
	return "", fmt.Errorf("unknown output format %q (want table or json)", s)
}

// Render writes the ring: a table per zone with state counts, or JSON (the
// Ring value: members without tokens, only their count). Heartbeat ages are
// relative to the page's own time, or now when the page has none.
func Render(w io.Writer, r *Ring, f Format, now time.Time) error {
	if !r.Now.IsZero() {
		now = r.Now
	}
	if f == FormatJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(r)
	}
	byZone := map[string][]Instance{}
	for _, in := range r.Instances {
		byZone[in.Zone] = append(byZone[in.Zone], in)
	}
	fmt.Fprintf(w, "ring %s: %s in %s (%s)\n", ringLabel(r), plural(len(r.Instances), "member"), plural(len(byZone), "zone"), stateCounts(r.Instances))
	for _, z := range r.Zones() {
		members := byZone[z]
		sort.Slice(members, func(i, j int) bool { return members[i].ID < members[j].ID })
		fmt.Fprintf(w, "\nzone %s: %s (%s)\n", zoneName(z), plural(len(members), "member"), stateCounts(members))
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "  ID\tSTATE\tHEARTBEAT\tTOKENS\tREAD-ONLY\tADDRESS\tREGISTERED")
		for _, in := range members {
			fmt.Fprintf(tw, "  %s\t%s\t%s ago\t%d\t%s\t%s\t%s\n", in.ID, in.State, formatAge(in.HeartbeatAge(now)), in.Tokens,
				yesNo(in.ReadOnly), in.Address, formatTime(in.Registered))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	return nil
}

func ringLabel(r *Ring) string {
	if r.Name == "" {
		return "(unnamed)"
	}
	return r.Name
}

// stateCounts renders "2 ACTIVE, 1 LEAVING" in the order of States.
func stateCounts(members []Instance) string {
	counts := map[string]int{}
	for _, in := range members {
		counts[in.State]++
	}
	var parts []string
	for _, s := range States {
		if counts[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[s], s))
			delete(counts, s)
		}
	}
	rest := make([]string, 0, len(counts)) // states this version does not know
	for s := range counts {
		rest = append(rest, s)
	}
	sort.Strings(rest)
	for _, s := range rest {
		parts = append(parts, fmt.Sprintf("%d %s", counts[s], s))
	}
	if len(parts) == 0 {
		return "empty"
	}
	return strings.Join(parts, ", ")
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
