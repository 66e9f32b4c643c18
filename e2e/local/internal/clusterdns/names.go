package clusterdns

import (
	"net/netip"
	"strings"
)

// query is a parsed name inside the cluster domain.
type query struct {
	kind      queryKind
	namespace string
	service   string
	// host is the first label of an endpoint name: a hostname or a dashed IP.
	host string
	// port and proto are the SRV labels without their underscores.
	port, proto string
	// podIP is the address of a "<a-b-c-d>.<ns>.pod" name.
	podIP netip.Addr
}

type queryKind int

const (
	kindNone     queryKind = iota // not a name this server knows
	kindEmpty                     // an existing name without records (zone apex, "svc", "<ns>.svc")
	kindService                   // <svc>.<ns>.svc
	kindEndpoint                  // <host>.<svc>.<ns>.svc
	kindPort                      // _<port>._<proto>.<svc>.<ns>.svc
	kindPod                       // <a-b-c-d>.<ns>.pod
)

// parse splits a lower-case, fully qualified name of zone (e.g.
// "cluster.local.").
func parse(name, zone string) query {
	rest, ok := strings.CutSuffix(name, "."+zone)
	if name == zone {
		return query{kind: kindEmpty}
	}
	if !ok {
		return query{}
	}
	labels := strings.Split(rest, ".")
	n := len(labels)
	switch {
	case n == 1 && (labels[0] == "svc" || labels[0] == "pod"):
		return query{kind: kindEmpty}
	case n == 2 && labels[1] == "svc":
		return query{kind: kindEmpty, namespace: labels[0]}
	case n == 3 && labels[2] == "svc":
		return query{kind: kindService, service: labels[0], namespace: labels[1]}
	case n == 4 && labels[3] == "svc" && !strings.HasPrefix(labels[0], "_"):
		return query{kind: kindEndpoint, host: labels[0], service: labels[1], namespace: labels[2]}
	case n == 5 && labels[4] == "svc" && strings.HasPrefix(labels[0], "_") && strings.HasPrefix(labels[1], "_"):
		return query{kind: kindPort, port: labels[0][1:], proto: labels[1][1:], service: labels[2], namespace: labels[3]}
	case n == 3 && labels[2] == "pod":
		ip, err := netip.ParseAddr(strings.ReplaceAll(labels[0], "-", "."))
		if err != nil {
			return query{}
		}
		return query{kind: kindPod, podIP: ip, namespace: labels[1]}
	}
	return query{}
}

// dashed writes an IPv4 address the way DNS names carry it: 10-244-0-5.
func dashed(ip netip.Addr) string { return strings.ReplaceAll(ip.String(), ".", "-") }
