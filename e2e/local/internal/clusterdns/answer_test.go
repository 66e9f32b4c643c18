package clusterdns

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/miekg/dns"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/utils/ptr"
)

// fakeObjects serves Services and EndpointSlices from memory.
type fakeObjects struct {
	services map[string]*corev1.Service
	slices   map[string][]*discoveryv1.EndpointSlice
}

func (f *fakeObjects) Service(ns, name string) (*corev1.Service, error) {
	if s, ok := f.services[ns+"/"+name]; ok {
		return s, nil
	}
	return nil, apierrors.NewNotFound(schema.GroupResource{Resource: "services"}, name)
}

func (f *fakeObjects) EndpointSlices(ns, svc string) ([]*discoveryv1.EndpointSlice, error) {
	return f.slices[ns+"/"+svc], nil
}

type svcOpt func(*corev1.Service)

func service(ns, name string, opts ...svcOpt) *corev1.Service {
	s := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
	for _, o := range opts {
		o(s)
	}
	return s
}

func withPort(name string, port int32) svcOpt {
	return func(s *corev1.Service) {
		s.Spec.Ports = append(s.Spec.Ports, corev1.ServicePort{Name: name, Port: port, Protocol: corev1.ProtocolTCP})
	}
}

func publishingNotReady(s *corev1.Service) { s.Spec.PublishNotReadyAddresses = true }

type ep struct {
	ip, hostname string
	ready        bool
}

func slice(ports map[string]int32, eps ...ep) *discoveryv1.EndpointSlice {
	s := &discoveryv1.EndpointSlice{AddressType: discoveryv1.AddressTypeIPv4}
	for name, p := range ports {
		s.Ports = append(s.Ports, discoveryv1.EndpointPort{Name: ptr.To(name), Port: ptr.To(p), Protocol: ptr.To(corev1.ProtocolTCP)})
	}
	for _, e := range eps {
		x := discoveryv1.Endpoint{Addresses: []string{e.ip}, Conditions: discoveryv1.EndpointConditions{Ready: ptr.To(e.ready)}}
		if e.hostname != "" {
			x.Hostname = ptr.To(e.hostname)
		}
		s.Endpoints = append(s.Endpoints, x)
	}
	return s
}

func fixture() *Resolver {
	ports := map[string]int32{"grpc": 9095, "http-metrics": 8080}
	objs := &fakeObjects{
		services: map[string]*corev1.Service{
			"mimir/ingester":    service("mimir", "ingester", withPort("grpc", 9095), withPort("http-metrics", 8080)),
			"mimir/gossip-ring": service("mimir", "gossip-ring", withPort("gossip-ring", 7946), publishingNotReady),
			"mimir/empty":       service("mimir", "empty", withPort("http", 80)),
			"mimir/external": {ObjectMeta: metav1.ObjectMeta{Namespace: "mimir", Name: "external"},
				Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: "example.org"}},
		},
		slices: map[string][]*discoveryv1.EndpointSlice{
			"mimir/ingester": {slice(ports,
				ep{"10.244.0.7", "ingester-1", true}, ep{"10.244.0.5", "ingester-0", true}, ep{"10.244.0.9", "ingester-2", false})},
			"mimir/gossip-ring": {slice(map[string]int32{"gossip-ring": 7946},
				ep{"10.244.0.5", "", true}, ep{"10.244.0.9", "", false})},
		},
	}
	return &Resolver{Objects: objs, Zone: "cluster.local.", TTL: 5}
}

func ask(r *Resolver, name string, qtype uint16) *dns.Msg {
	q := new(dns.Msg)
	q.SetQuestion(name, qtype)
	return r.Answer(q)
}

// records renders the answer section compactly: "A 10.244.0.5", "SRV 9095 target".
func records(rrs []dns.RR) []string {
	var out []string
	for _, rr := range rrs {
		switch v := rr.(type) {
		case *dns.A:
			out = append(out, fmt.Sprintf("A %s %s", v.Hdr.Name, v.A))
		case *dns.SRV:
			out = append(out, fmt.Sprintf("SRV %d %s", v.Port, v.Target))
		case *dns.CNAME:
			out = append(out, "CNAME "+v.Target)
		}
	}
	sort.Strings(out)
	return out
}

func TestAnswer(t *testing.T) {
	r := fixture()
	tests := []struct {
		name  string
		qname string
		qtype uint16
		rcode int
		want  []string
	}{
		{"a service answers with its ready endpoints only", "ingester.mimir.svc.cluster.local.", dns.TypeA, dns.RcodeSuccess,
			[]string{"A ingester.mimir.svc.cluster.local. 10.244.0.5", "A ingester.mimir.svc.cluster.local. 10.244.0.7"}},
		{"names are case-insensitive", "Ingester.MIMIR.svc.cluster.local.", dns.TypeA, dns.RcodeSuccess,
			[]string{"A ingester.mimir.svc.cluster.local. 10.244.0.5", "A ingester.mimir.svc.cluster.local. 10.244.0.7"}},
		{"publishNotReadyAddresses adds the not-ready endpoints", "gossip-ring.mimir.svc.cluster.local.", dns.TypeA, dns.RcodeSuccess,
			[]string{"A gossip-ring.mimir.svc.cluster.local. 10.244.0.5", "A gossip-ring.mimir.svc.cluster.local. 10.244.0.9"}},
		{"a named port answers SRV per endpoint with hostname targets", "_grpc._tcp.ingester.mimir.svc.cluster.local.", dns.TypeSRV, dns.RcodeSuccess,
			[]string{"SRV 9095 ingester-0.ingester.mimir.svc.cluster.local.", "SRV 9095 ingester-1.ingester.mimir.svc.cluster.local."}},
		{"endpoints without hostname get dashed-address targets", "_gossip-ring._tcp.gossip-ring.mimir.svc.cluster.local.", dns.TypeSRV, dns.RcodeSuccess,
			[]string{"SRV 7946 10-244-0-5.gossip-ring.mimir.svc.cluster.local.", "SRV 7946 10-244-0-9.gossip-ring.mimir.svc.cluster.local."}},
		{"a StatefulSet pod's hostname resolves", "ingester-1.ingester.mimir.svc.cluster.local.", dns.TypeA, dns.RcodeSuccess,
			[]string{"A ingester-1.ingester.mimir.svc.cluster.local. 10.244.0.7"}},
		{"a dashed address of an endpoint resolves", "10-244-0-5.gossip-ring.mimir.svc.cluster.local.", dns.TypeA, dns.RcodeSuccess,
			[]string{"A 10-244-0-5.gossip-ring.mimir.svc.cluster.local. 10.244.0.5"}},
		{"a not-ready pod's hostname does not resolve", "ingester-2.ingester.mimir.svc.cluster.local.", dns.TypeA, dns.RcodeNameError, nil},
		{"a pod name resolves to its address", "10-244-0-42.mimir.pod.cluster.local.", dns.TypeA, dns.RcodeSuccess,
			[]string{"A 10-244-0-42.mimir.pod.cluster.local. 10.244.0.42"}},
		{"a service without endpoints exists but has no address", "empty.mimir.svc.cluster.local.", dns.TypeA, dns.RcodeSuccess, nil},
		{"AAAA of a service is empty, not an error", "ingester.mimir.svc.cluster.local.", dns.TypeAAAA, dns.RcodeSuccess, nil},
		{"an unknown port name is NXDOMAIN", "_http._tcp.ingester.mimir.svc.cluster.local.", dns.TypeSRV, dns.RcodeNameError, nil},
		{"an unknown service is NXDOMAIN", "distributor.mimir.svc.cluster.local.", dns.TypeA, dns.RcodeNameError, nil},
		{"a search-path expansion of a short name is NXDOMAIN", "ingester.mimir.svc.cluster.local.mimir.svc.cluster.local.", dns.TypeA, dns.RcodeNameError, nil},
		{"names outside the cluster are NXDOMAIN, never forwarded", "grafana.com.", dns.TypeA, dns.RcodeNameError, nil},
		{"an ExternalName service is a CNAME", "external.mimir.svc.cluster.local.", dns.TypeA, dns.RcodeSuccess, []string{"CNAME example.org."}},
		{"a namespace name exists without records", "mimir.svc.cluster.local.", dns.TypeA, dns.RcodeSuccess, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := ask(r, tt.qname, tt.qtype)
			if m.Rcode != tt.rcode {
				t.Errorf("rcode = %s, want %s", dns.RcodeToString[m.Rcode], dns.RcodeToString[tt.rcode])
			}
			if got := records(m.Answer); strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("answer:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			if !m.Authoritative {
				t.Error("answer is not authoritative")
			}
		})
	}
	t.Run("SRV answers carry the targets' addresses", func(t *testing.T) {
		m := ask(r, "_grpc._tcp.ingester.mimir.svc.cluster.local.", dns.TypeSRV)
		want := []string{"A ingester-0.ingester.mimir.svc.cluster.local. 10.244.0.5", "A ingester-1.ingester.mimir.svc.cluster.local. 10.244.0.7"}
		if got := records(m.Extra); strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("extra = %v, want %v", got, want)
		}
	})
	t.Run("the bare service name answers SRV for every named port", func(t *testing.T) {
		m := ask(r, "ingester.mimir.svc.cluster.local.", dns.TypeSRV)
		if len(m.Answer) != 4 {
			t.Errorf("got %v, want 2 endpoints x 2 ports", records(m.Answer))
		}
	})
	t.Run("negative answers in the zone carry the SOA", func(t *testing.T) {
		m := ask(r, "distributor.mimir.svc.cluster.local.", dns.TypeA)
		if len(m.Ns) != 1 || m.Ns[0].Header().Rrtype != dns.TypeSOA {
			t.Errorf("authority = %v", m.Ns)
		}
	})
}
