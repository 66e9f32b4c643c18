package cli

import (
	"encoding/json"
	"io"
	"strings"
	"sync"

	"github.com/mimirctl/mimirctl/pkg/plan"
)

// jsonEvents writes one JSON object per event to w (the -o json stream).
type jsonEvents struct {
	mu  sync.Mutex
	enc *json.Encoder
}

func newJSONEvents(w io.Writer) *jsonEvents {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false) // messages quote PromQL and version ranges (>, <, &&) as written
	return &jsonEvents{enc: enc}
}

func (j *jsonEvents) Emit(e plan.Event) {
	j.mu.Lock()
	defer j.mu.Unlock()
	_ = j.enc.Encode(e)
}

// fanout sends events to several sinks.
type fanout []plan.EventSink

func (f fanout) Emit(e plan.Event) {
	for _, s := range f {
		s.Emit(e)
	}
}

// indent prefixes every line of text.
func indent(text, prefix string) string {
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	for i, l := range lines {
		lines[i] = prefix + l
	}
	return strings.Join(lines, "\n")
}
