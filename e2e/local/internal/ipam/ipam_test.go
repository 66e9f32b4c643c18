package ipam

import (
	"errors"
	"testing"
)

func TestAllocator(t *testing.T) {
	t.Run("the bridge takes the first address and pods the following ones", func(t *testing.T) {
		a, err := New("10.244.0.0/16")
		if err != nil {
			t.Fatal(err)
		}
		if got := a.Gateway().String(); got != "10.244.0.1" {
			t.Errorf("gateway = %s", got)
		}
		for i, want := range []string{"10.244.0.2", "10.244.0.3", "10.244.0.4"} {
			ip, err := a.Allocate(string(rune('a' + i)))
			if err != nil || ip.String() != want {
				t.Errorf("allocation %d = %s, %v; want %s", i, ip, err, want)
			}
		}
	})
	t.Run("an owner asking again gets its address back", func(t *testing.T) {
		a, _ := New("10.244.0.0/16")
		first, _ := a.Allocate("pod-1")
		again, _ := a.Allocate("pod-1")
		if first != again || a.InUse() != 1 {
			t.Errorf("first %s, again %s, in use %d", first, again, a.InUse())
		}
	})
	t.Run("a released address is reused only after the rest of the subnet", func(t *testing.T) {
		a, _ := New("10.0.0.0/29") // pods: .2 .. .6
		for _, o := range []string{"a", "b", "c"} {
			_, _ = a.Allocate(o)
		}
		a.Release("a") // frees .2
		for _, want := range []string{"10.0.0.5", "10.0.0.6"} {
			if ip, _ := a.Allocate(want); ip.String() != want {
				t.Errorf("got %s, want %s before any reuse", ip, want)
			}
		}
		ip, err := a.Allocate("f")
		if err != nil || ip.String() != "10.0.0.2" {
			t.Errorf("after wrap-around got %s, %v; want 10.0.0.2", ip, err)
		}
	})
	t.Run("a full subnet says so", func(t *testing.T) {
		a, _ := New("10.0.0.0/29")
		for _, o := range []string{"a", "b", "c", "d", "e"} {
			if _, err := a.Allocate(o); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := a.Allocate("f"); !errors.Is(err, ErrExhausted) {
			t.Errorf("err = %v, want ErrExhausted", err)
		}
	})
	t.Run("subnets that are not IPv4 or too small are refused", func(t *testing.T) {
		for _, cidr := range []string{"fd00::/64", "10.0.0.0/30", "nonsense"} {
			if _, err := New(cidr); err == nil {
				t.Errorf("New(%q) succeeded", cidr)
			}
		}
	})
}
