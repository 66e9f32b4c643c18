package ringcheck

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
)

func TestTokenStripper(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"a token array becomes its length", `{"id":"a","tokens":[1,22,333]}`, `{"id":"a","tokens":3}`},
		{"an empty token array becomes 0", `{"tokens":[]}`, `{"tokens":0}`},
		{"whitespace around the colon and inside the array is allowed", "{\"tokens\" : [ 1 ,\n 2 ] }", `{"tokens" : 2 }`},
		{"tokens as a string value is left alone", `{"id":"tokens","x":[1,2]}`, `{"id":"tokens","x":[1,2]}`},
		{"an escaped \"tokens\" inside a string is left alone", `{"id":"\"tokens\":[1,2]","y":[3]}`, `{"id":"\"tokens\":[1,2]","y":[3]}`},
		{"a key that merely starts with tokens is left alone", `{"tokens_total":[1,2],"tokensx":[3]}`, `{"tokens_total":[1,2],"tokensx":[3]}`},
		{"a tokens key with a non-array value passes through", `{"tokens":null,"b":{"tokens":5}}`, `{"tokens":null,"b":{"tokens":5}}`},
		{"nested arrays and strings inside a tokens array count as one element each", `{"tokens":[[1,2],"a,]b",{"c":[3]}]}`, `{"tokens":3}`},
		{"every member's tokens are counted", `{"shards":[{"tokens":[1]},{"tokens":[1,2]}]}`, `{"shards":[{"tokens":1},{"tokens":2}]}`},
		{"an escaped backslash before the closing quote ends the string", `{"id":"a\\","tokens":[7,8]}`, `{"id":"a\\","tokens":2}`},
	}
	readers := map[string]func(io.Reader) io.Reader{
		"whole":      func(r io.Reader) io.Reader { return r },
		"one byte":   iotest.OneByteReader,
		"half reads": iotest.HalfReader,
	}
	for _, tt := range tests {
		for rname, wrap := range readers {
			t.Run(tt.name+"/"+rname, func(t *testing.T) {
				got, err := io.ReadAll(newTokenStripper(wrap(strings.NewReader(tt.in))))
				if err != nil {
					t.Fatal(err)
				}
				if string(got) != tt.want {
					t.Errorf("got  %s\nwant %s", got, tt.want)
				}
			})
		}
	}
}

func TestDecodeIsIndependentOfHowTheBodyArrives(t *testing.T) {
	files, _ := filepath.Glob("testdata/mimir-*/ring-*.json")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		whole, err := Decode(strings.NewReader(string(b)))
		if err != nil {
			t.Fatal(err)
		}
		bytewise, err := Decode(iotest.OneByteReader(strings.NewReader(string(b))))
		if err != nil {
			t.Fatalf("%s one byte at a time: %v", f, err)
		}
		if len(whole.Instances) != len(bytewise.Instances) {
			t.Fatalf("%s: %d vs %d members", f, len(whole.Instances), len(bytewise.Instances))
		}
		for i := range whole.Instances {
			if whole.Instances[i] != bytewise.Instances[i] {
				t.Errorf("%s member %d: %+v vs %+v", f, i, whole.Instances[i], bytewise.Instances[i])
			}
		}
	}
}
