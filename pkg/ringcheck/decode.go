package ringcheck

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"
)

// Decode reads a ring page's JSON from r as it streams in, one member at a
// time: token arrays are counted on the fly (see tokenStripper), never
// stored, so memory stays proportional to the number of members whatever the
// number of tokens. Fields it does not know (such as 3.x versions) are
// skipped.
func Decode(r io.Reader) (*Ring, error) {
	dec := json.NewDecoder(newTokenStripper(r))
	if err := expectDelim(dec, '{', "the page"); err != nil {
		return nil, err
	}
	ring := &Ring{}
	sawShards := false
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("read ring page: %w", err)
		}
		switch key {
		case "shards":
			sawShards = true
			if err := decodeShards(dec, ring); err != nil {
				return nil, err
			}
		case "now":
			if err := dec.Decode(&ring.Now); err != nil {
				return nil, fmt.Errorf("read ring page field now: %w", err)
			}
		default:
			if err := dec.Decode(&skip{}); err != nil {
				return nil, fmt.Errorf("read ring page field %v: %w", key, err)
			}
		}
	}
	if !sawShards {
		return nil, fmt.Errorf("not a ring page: no \"shards\" field")
	}
	return ring, nil
}

// shard is one member as the page writes it.
type shard struct {
	ID              string     `json:"id"`
	State           string     `json:"state"`
	Address         string     `json:"address"`
	Timestamp       time.Time  `json:"timestamp"`
	Registered      time.Time  `json:"registered_timestamp"`
	ReadOnly        bool       `json:"read_only"`
	ReadOnlyUpdated time.Time  `json:"read_only_updated_timestamp"`
	Zone            string     `json:"zone"`
	Tokens          tokenCount `json:"tokens"`
}

func decodeShards(dec *json.Decoder, ring *Ring) error {
	tok, err := dec.Token()
	if err != nil {
		return fmt.Errorf("read ring page field shards: %w", err)
	}
	if tok == nil { // "shards": null is an empty ring
		return nil
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return fmt.Errorf("read ring page field shards: want a list, got %v", tok)
	}
	for dec.More() {
		var s shard
		if err := dec.Decode(&s); err != nil {
			return fmt.Errorf("read ring member %d: %w", len(ring.Instances), err)
		}
		ring.Instances = append(ring.Instances, Instance{
			ID: s.ID, State: s.State, Address: s.Address, Zone: s.Zone,
			Heartbeat: s.Timestamp, Registered: s.Registered,
			ReadOnly: s.ReadOnly, ReadOnlySince: readOnlySince(s),
			Tokens: int(s.Tokens),
		})
	}
	_, err = dec.Token() // ']'
	return err
}

func readOnlySince(s shard) time.Time {
	if !s.ReadOnly {
		return time.Time{}
	}
	return s.ReadOnlyUpdated
}

func expectDelim(dec *json.Decoder, want json.Delim, what string) error {
	tok, err := dec.Token()
	if err != nil {
		return fmt.Errorf("read %s: %w (is this a ring page answered as JSON?)", what, err)
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return fmt.Errorf("read %s: want %q, got %v (is this a ring page answered as JSON?)", what, want, tok)
	}
	return nil
}

// tokenCount is the number of tokens: the count tokenStripper left in
// place of the array, or the array itself when decoded directly.
type tokenCount int

// UnmarshalJSON reads a count or counts the numbers of an array (numbers
// never contain commas).
func (c *tokenCount) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		*c = 0
		return nil
	}
	if n, err := strconv.Atoi(string(b)); err == nil && n >= 0 {
		*c = tokenCount(n)
		return nil
	}
	if len(b) < 2 || b[0] != '[' || b[len(b)-1] != ']' {
		return fmt.Errorf("tokens: want a list of numbers")
	}
	inner := bytes.TrimSpace(b[1 : len(b)-1])
	if len(inner) == 0 {
		*c = 0
		return nil
	}
	*c = tokenCount(bytes.Count(inner, []byte(",")) + 1)
	return nil
}

// skip consumes a JSON value of any shape without keeping it.
type skip struct{}

// UnmarshalJSON ignores the value.
func (*skip) UnmarshalJSON([]byte) error { return nil }
