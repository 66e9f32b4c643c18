package cli

import (
	"math"
	"os"
	"runtime/debug"
	"testing"
)

func TestTheDefaultMemoryLimitYieldsToGOMEMLIMIT(t *testing.T) {
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1)) // restore

	debug.SetMemoryLimit(math.MaxInt64)
	t.Setenv("GOMEMLIMIT", "1GiB")
	setDefaultMemoryLimit()
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Errorf("with GOMEMLIMIT set, the limit became %d", got)
	}

	t.Setenv("GOMEMLIMIT", "") // restored after the test
	if err := os.Unsetenv("GOMEMLIMIT"); err != nil {
		t.Fatal(err)
	}
	setDefaultMemoryLimit()
	if got := debug.SetMemoryLimit(-1); got != DefaultMemoryLimit {
		t.Errorf("without GOMEMLIMIT, the limit is %d, want %d", got, DefaultMemoryLimit)
	}
}
