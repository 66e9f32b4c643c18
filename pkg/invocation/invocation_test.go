package invocation

import (
	"errors"
	"testing"
)

func TestCommandFollowsTheName(t *testing.T) {
	t.Cleanup(func() { SetName("") })
	hint := NewError(func() string { return "run `" + Command("resume") + "` to continue" })
	wrapped := errors.Join(errors.New("step 3"), hint)

	if got := Command("approve", "step-1"); got != "mimirctl approve step-1" {
		t.Errorf("default: %q", got)
	}
	if got := hint.Error(); got != "run `mimirctl resume` to continue" {
		t.Errorf("default hint: %q", got)
	}

	SetName("kubectl mimir")
	if got := Command("approve", "step-1"); got != "kubectl mimir approve step-1" {
		t.Errorf("plugin: %q", got)
	}
	if got := hint.Error(); got != "run `kubectl mimir resume` to continue" {
		t.Errorf("plugin hint: %q", got)
	}
	if !errors.Is(wrapped, hint) {
		t.Error("the hint is not found in an error wrapping it")
	}

	SetName("")
	if got := Name(); got != Default {
		t.Errorf("after SetName(\"\"): %q", got)
	}
}
