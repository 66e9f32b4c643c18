package invocation

import (
	"errors"
	"strings"
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

func TestSpellRewritesOnlyTheCommandsItKnows(t *testing.T) {
	t.Cleanup(func() { SetName(""); SetCommands(nil) })
	text := "run `mimirctl approve 2-route`, then mimirctl resume; what mimirctl applied stays in mimirctl-state (mimirctl approved it)"
	SetCommands([]string{"approve", "resume"})
	if got := Spell(text); got != text {
		t.Errorf("mimirctl's own name changed the text:\n%s", got)
	}
	SetName("kubectl mimir")
	want := "run `kubectl mimir approve 2-route`, then kubectl mimir resume; what mimirctl applied stays in mimirctl-state (mimirctl approved it)"
	if got := Spell(text); got != want {
		t.Errorf("plugin:\n got %s\nwant %s", got, want)
	}
	var b strings.Builder
	if n, err := SpellingWriter(&b).Write([]byte(text)); err != nil || n != len(text) || b.String() != want {
		t.Errorf("writer: %d %v %q", n, err, b.String())
	}
	SetCommands(nil)
	if got := Spell(text); got != text {
		t.Errorf("without commands: %s", got)
	}
}
