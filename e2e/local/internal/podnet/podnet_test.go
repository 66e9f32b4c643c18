package podnet

import (
	"net/netip"
	"testing"
)

func TestResolvConf(t *testing.T) {
	got := string(ResolvConf("mimir", netip.MustParseAddr("10.244.0.1")))
	want := "search mimir.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.244.0.1\noptions ndots:5\n"
	if got != want {
		t.Errorf("resolv.conf:\n%s\nwant:\n%s", got, want)
	}
}
