package clusterdns

import (
	"net"
	"net/netip"
	"sort"
	"strings"

	"github.com/miekg/dns"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
)

// Objects reads Services and their EndpointSlices (informer caches in the
// cluster, plain slices in tests).
type Objects interface {
	Service(namespace, name string) (*corev1.Service, error)
	EndpointSlices(namespace, service string) ([]*discoveryv1.EndpointSlice, error)
}

// Resolver answers DNS questions about the cluster domain from Objects.
type Resolver struct {
	Objects Objects
	// Zone is the cluster domain, fully qualified ("cluster.local.").
	Zone string
	TTL  uint32
}

// endpoint is one ready address of a service.
type endpoint struct {
	ip       netip.Addr
	hostname string
	ports    []discoveryv1.EndpointPort
}

// Answer builds the reply to req. Names outside the zone and unknown names
// get NXDOMAIN; known names without records of the asked type get an empty
// NOERROR answer.
func (r *Resolver) Answer(req *dns.Msg) *dns.Msg {
	m := new(dns.Msg)
	m.SetReply(req)
	m.Authoritative = true
	if len(req.Question) != 1 {
		m.Rcode = dns.RcodeFormatError
		return m
	}
	q := req.Question[0]
	name := strings.ToLower(q.Name)
	pq := parse(name, r.Zone)
	var found bool
	switch pq.kind {
	case kindEmpty:
		found = true
		if q.Qtype == dns.TypeSOA && name == r.Zone {
			m.Answer = append(m.Answer, r.soa())
		}
	case kindService:
		found = r.answerService(m, q, name, pq)
	case kindEndpoint:
		found = r.answerEndpoint(m, q, name, pq)
	case kindPort:
		found = r.answerPort(m, name, pq, q.Qtype)
	case kindPod:
		found = true
		if q.Qtype == dns.TypeA && pq.podIP.Is4() {
			m.Answer = append(m.Answer, r.a(name, pq.podIP))
		}
	}
	if !found {
		m.Rcode = dns.RcodeNameError
	}
	if len(m.Answer) == 0 && strings.HasSuffix(name, r.Zone) {
		m.Ns = append(m.Ns, r.soa())
	}
	return m
}

func (r *Resolver) answerService(m *dns.Msg, q dns.Question, name string, pq query) bool {
	svc, err := r.Objects.Service(pq.namespace, pq.service)
	if err != nil {
		return false
	}
	if svc.Spec.Type == corev1.ServiceTypeExternalName {
		m.Answer = append(m.Answer, &dns.CNAME{Hdr: r.hdr(name, dns.TypeCNAME), Target: dns.Fqdn(svc.Spec.ExternalName)})
		return true
	}
	eps := r.endpoints(svc)
	switch q.Qtype {
	case dns.TypeA, dns.TypeANY:
		for _, ep := range eps {
			m.Answer = append(m.Answer, r.a(name, ep.ip))
		}
	case dns.TypeSRV:
		r.addSRV(m, pq, eps, func(discoveryv1.EndpointPort) bool { return true })
	}
	return true
}

func (r *Resolver) answerEndpoint(m *dns.Msg, q dns.Question, name string, pq query) bool {
	svc, err := r.Objects.Service(pq.namespace, pq.service)
	if err != nil {
		return false
	}
	for _, ep := range r.endpoints(svc) {
		if ep.hostname == pq.host || dashed(ep.ip) == pq.host {
			if q.Qtype == dns.TypeA || q.Qtype == dns.TypeANY {
				m.Answer = append(m.Answer, r.a(name, ep.ip))
			}
			return true
		}
	}
	return false
}

func (r *Resolver) answerPort(m *dns.Msg, name string, pq query, qtype uint16) bool {
	svc, err := r.Objects.Service(pq.namespace, pq.service)
	if err != nil {
		return false
	}
	match := func(p discoveryv1.EndpointPort) bool {
		proto := "tcp"
		if p.Protocol != nil {
			proto = strings.ToLower(string(*p.Protocol))
		}
		return p.Name != nil && strings.ToLower(*p.Name) == pq.port && proto == pq.proto
	}
	if !svcHasPort(svc, pq) {
		return false
	}
	if qtype == dns.TypeSRV || qtype == dns.TypeANY {
		r.addSRV(m, pq, r.endpoints(svc), match)
	}
	return true
}

func svcHasPort(svc *corev1.Service, pq query) bool {
	for _, p := range svc.Spec.Ports {
		proto := strings.ToLower(string(p.Protocol))
		if proto == "" {
			proto = "tcp"
		}
		if strings.ToLower(p.Name) == pq.port && proto == pq.proto {
			return true
		}
	}
	return false
}

// addSRV adds one SRV record per endpoint and matching named port, with the
// target's A record in the additional section.
func (r *Resolver) addSRV(m *dns.Msg, pq query, eps []endpoint, match func(discoveryv1.EndpointPort) bool) {
	qname := m.Question[0].Name
	for _, ep := range eps {
		host := ep.hostname
		if host == "" {
			host = dashed(ep.ip)
		}
		target := host + "." + pq.service + "." + pq.namespace + ".svc." + r.Zone
		added := false
		for _, p := range ep.ports {
			if p.Name == nil || *p.Name == "" || p.Port == nil || !match(p) {
				continue
			}
			m.Answer = append(m.Answer, &dns.SRV{Hdr: r.hdr(qname, dns.TypeSRV), Priority: 0, Weight: 10, Port: uint16(*p.Port), Target: target})
			added = true
		}
		if added {
			m.Extra = append(m.Extra, r.a(target, ep.ip))
		}
	}
}

// endpoints lists the service's addresses: ready ones, or all when the
// service publishes not-ready addresses. Sorted by address.
func (r *Resolver) endpoints(svc *corev1.Service) []endpoint {
	slices, err := r.Objects.EndpointSlices(svc.Namespace, svc.Name)
	if err != nil {
		return nil
	}
	byIP := map[netip.Addr]*endpoint{}
	for _, s := range slices {
		if s.AddressType != discoveryv1.AddressTypeIPv4 {
			continue
		}
		for _, e := range s.Endpoints {
			ready := e.Conditions.Ready == nil || *e.Conditions.Ready
			if !ready && !svc.Spec.PublishNotReadyAddresses {
				continue
			}
			for _, a := range e.Addresses {
				ip, err := netip.ParseAddr(a)
				if err != nil {
					continue
				}
				ep := byIP[ip]
				if ep == nil {
					ep = &endpoint{ip: ip}
					byIP[ip] = ep
				}
				if e.Hostname != nil {
					ep.hostname = strings.ToLower(*e.Hostname)
				}
				ep.ports = append(ep.ports, s.Ports...)
			}
		}
	}
	out := make([]endpoint, 0, len(byIP))
	for _, ep := range byIP {
		out = append(out, *ep)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ip.Less(out[j].ip) })
	return out
}

func (r *Resolver) hdr(name string, t uint16) dns.RR_Header {
	return dns.RR_Header{Name: name, Rrtype: t, Class: dns.ClassINET, Ttl: r.TTL}
}

func (r *Resolver) a(name string, ip netip.Addr) dns.RR {
	return &dns.A{Hdr: r.hdr(name, dns.TypeA), A: net.IP(ip.AsSlice())}
}

func (r *Resolver) soa() dns.RR {
	return &dns.SOA{
		Hdr: r.hdr(r.Zone, dns.TypeSOA), Ns: "ns.dns." + r.Zone, Mbox: "hostmaster." + r.Zone,
		Serial: 1, Refresh: 7200, Retry: 1800, Expire: 86400, Minttl: r.TTL,
	}
}
