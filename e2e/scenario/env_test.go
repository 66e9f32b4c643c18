package scenario

import (
	"slices"
	"testing"
)

func TestWayBackReplicasAreWayBackParamsAsFlags(t *testing.T) {
	want := []string{"-p", "ingesterReplicas=3", "-p", "storeGatewayReplicas=3"}
	if got := WayBackReplicas(); !slices.Equal(got, want) {
		t.Errorf("WayBackReplicas() = %q, want %q", got, want)
	}
}
