package ringcheck

import (
	"bytes"
	"io"
	"strconv"
)

// tokenStripper passes JSON through, replacing the array value of every
// "tokens" key by the number of its elements. Token arrays are most of a
// ring page (512 numbers per member in jsonnet set-ups); counting them here,
// in one cheap pass, spares the JSON decoder from scanning them at all.
// It tracks strings and escapes, so a "tokens" inside a string is left alone.
type tokenStripper struct {
	src  io.Reader
	in   []byte
	out  []byte
	done error

	inString, escaped bool
	key               []byte // the string being read, when it may still be "tokens"
	keyOK             bool   // key is still a candidate (short, no escapes)
	afterKey          int    // 0 none, 1 after the string "tokens", 2 after its colon
	depth             int    // >0 while skipping a tokens array
	count             int
	sawElement        bool
}

func newTokenStripper(r io.Reader) *tokenStripper {
	return &tokenStripper{src: r, in: make([]byte, 32<<10)}
}

// Read fills p with transformed JSON.
func (s *tokenStripper) Read(p []byte) (int, error) {
	for len(s.out) == 0 {
		if s.done != nil {
			return 0, s.done
		}
		n, err := s.src.Read(s.in)
		s.feed(s.in[:n])
		if err != nil {
			s.done = err
		}
	}
	n := copy(p, s.out)
	s.out = s.out[n:]
	if len(s.out) == 0 {
		s.out = s.out[:0:cap(s.out)] // reuse the buffer
	}
	return n, nil
}

var tokensKey = []byte("tokens")

// feed transforms b. Inside a tokens array, runs of plain numbers and commas
// are counted in bulk; everything else goes byte by byte through step.
func (s *tokenStripper) feed(b []byte) {
	for len(b) > 0 {
		if s.depth == 1 && !s.inString {
			end := bytes.IndexByte(b, ']')
			seg := b
			if end >= 0 {
				seg = b[:end]
			}
			if flat(seg) {
				s.count += bytes.Count(seg, []byte{','})
				if !s.sawElement && len(bytes.TrimSpace(seg)) > 0 {
					s.sawElement = true
				}
				if end < 0 {
					return
				}
				b = b[end:] // step handles the closing bracket
			}
		}
		s.step(b[0])
		b = b[1:]
	}
}

// flat reports whether b holds no string, array or object.
func flat(b []byte) bool {
	return bytes.IndexByte(b, '"') < 0 && bytes.IndexByte(b, '[') < 0 && bytes.IndexByte(b, '{') < 0
}

func (s *tokenStripper) step(c byte) {
	if s.depth > 0 {
		s.skip(c)
		return
	}
	s.out = append(s.out, c)
	if s.inString {
		s.stringByte(c)
		return
	}
	switch c {
	case '"':
		s.inString, s.key, s.keyOK = true, s.key[:0], s.afterKey == 0
	case ' ', '\t', '\n', '\r':
	case ':':
		if s.afterKey == 1 {
			s.afterKey = 2
			return
		}
		s.afterKey = 0
	case '[':
		if s.afterKey == 2 {
			s.out = s.out[:len(s.out)-1]
			s.depth, s.count, s.sawElement = 1, 0, false
		}
		s.afterKey = 0
	default:
		s.afterKey = 0
	}
}

func (s *tokenStripper) stringByte(c byte) {
	switch {
	case s.escaped:
		s.escaped, s.keyOK = false, false
	case c == '\\':
		s.escaped = true
	case c == '"':
		s.inString = false
		if s.keyOK && string(s.key) == string(tokensKey) {
			s.afterKey = 1
		}
	case s.keyOK && len(s.key) < len(tokensKey):
		s.key = append(s.key, c)
	default:
		s.keyOK = false
	}
}

// skip consumes a tokens array, counting its top-level elements.
func (s *tokenStripper) skip(c byte) {
	if s.inString {
		switch {
		case s.escaped:
			s.escaped = false
		case c == '\\':
			s.escaped = true
		case c == '"':
			s.inString = false
		}
		return
	}
	switch c {
	case ' ', '\t', '\n', '\r':
		return
	case ',':
		if s.depth == 1 {
			s.count++
		}
		return
	case '"':
		s.inString = true
	case '[', '{':
		s.depth++
	case ']', '}':
		s.depth--
		if s.depth == 0 {
			if s.sawElement {
				s.count++
			}
			s.out = strconv.AppendInt(s.out, int64(s.count), 10)
			return
		}
	}
	s.sawElement = true
}
