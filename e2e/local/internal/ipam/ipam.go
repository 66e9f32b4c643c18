// Package ipam hands out pod addresses from the bridge subnet. The first
// address belongs to the bridge (gateway, DNS, API server); pods get the
// following ones. Released addresses are reused only after the rest of the
// subnet, like CNI's host-local plugin, so that a re-created pod does not
// inherit a dead pod's address while peers still remember it.
package ipam

import (
	"errors"
	"fmt"
	"net/netip"
	"sync"
)

// ErrExhausted is returned when every address of the subnet is taken.
var ErrExhausted = errors.New("pod subnet exhausted")

// Allocator assigns addresses of one IPv4 subnet. It is safe for concurrent use.
type Allocator struct {
	mu      sync.Mutex
	prefix  netip.Prefix
	gateway netip.Addr
	first   netip.Addr // first pod address
	last    netip.Addr // last pod address (before broadcast)
	next    netip.Addr
	owners  map[netip.Addr]string
}

// New returns an allocator for cidr, such as "10.244.0.0/16".
func New(cidr string) (*Allocator, error) {
	p, err := netip.ParsePrefix(cidr)
	if err != nil {
		return nil, fmt.Errorf("parse pod CIDR %q: %w", cidr, err)
	}
	p = p.Masked()
	if !p.Addr().Is4() || p.Bits() > 29 {
		return nil, fmt.Errorf("pod CIDR %s: want an IPv4 subnet of /29 or larger", p)
	}
	gw := p.Addr().Next()
	a := &Allocator{prefix: p, gateway: gw, first: gw.Next(), last: lastHost(p), owners: map[netip.Addr]string{}}
	a.next = a.first
	return a, nil
}

// lastHost is the address before the broadcast address of p.
func lastHost(p netip.Prefix) netip.Addr {
	b := p.Addr().As4()
	hostBits := 32 - p.Bits()
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	v |= (1 << hostBits) - 1 // broadcast
	v--
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

// Prefix is the subnet.
func (a *Allocator) Prefix() netip.Prefix { return a.prefix }

// Gateway is the bridge's address.
func (a *Allocator) Gateway() netip.Addr { return a.gateway }

// Allocate returns a free address and records owner (e.g. a pod UID) as its
// holder. An owner that already holds an address gets the same one back.
func (a *Allocator) Allocate(owner string) (netip.Addr, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for ip, o := range a.owners {
		if o == owner {
			return ip, nil
		}
	}
	start := a.next
	for ip := start; ; {
		if _, taken := a.owners[ip]; !taken {
			a.owners[ip] = owner
			a.next = a.advance(ip)
			return ip, nil
		}
		ip = a.advance(ip)
		if ip == start {
			return netip.Addr{}, fmt.Errorf("allocate address for %s in %s: %w", owner, a.prefix, ErrExhausted)
		}
	}
}

func (a *Allocator) advance(ip netip.Addr) netip.Addr {
	if ip == a.last {
		return a.first
	}
	return ip.Next()
}

// Release frees the address held by owner, if any.
func (a *Allocator) Release(owner string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for ip, o := range a.owners {
		if o == owner {
			delete(a.owners, ip)
		}
	}
}

// InUse reports how many addresses are allocated.
func (a *Allocator) InUse() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.owners)
}
