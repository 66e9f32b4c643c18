// Package clusterdns is the local cluster's DNS server, standing in for
// CoreDNS. It listens on the bridge address (UDP and TCP) and answers, from
// informer caches of Services and EndpointSlices:
//
//   - <svc>.<ns>.svc.cluster.local          A: the ready endpoint addresses of
//     every Service (there is no kube-proxy, so ClusterIP Services answer with
//     pod addresses too; publishNotReadyAddresses adds the not-ready ones)
//   - <host>.<svc>.<ns>.svc.cluster.local   A: one endpoint, by hostname
//     (StatefulSet pods) or dashed address (10-244-0-5)
//   - _<port>._<proto>.<svc>.<ns>.svc.cluster.local  SRV: one record per
//     endpoint and named port, targets as above, A records in the additional
//     section; the bare service name answers SRV for all named ports
//   - <a-b-c-d>.<ns>.pod.cluster.local      A: that address
//
// and NXDOMAIN for everything else: it forwards nothing, so pods never reach
// a resolver outside the cluster.
package clusterdns

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/miekg/dns"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	corelisters "k8s.io/client-go/listers/core/v1"
	discoverylisters "k8s.io/client-go/listers/discovery/v1"
)

// Listers serve Objects from informer caches.
type Listers struct {
	services corelisters.ServiceLister
	slices   discoverylisters.EndpointSliceLister
}

// NewListers registers the informers the server needs on factory.
func NewListers(factory informers.SharedInformerFactory) *Listers {
	return &Listers{
		services: factory.Core().V1().Services().Lister(),
		slices:   factory.Discovery().V1().EndpointSlices().Lister(),
	}
}

// Service implements Objects.
func (l *Listers) Service(namespace, name string) (*corev1.Service, error) {
	return l.services.Services(namespace).Get(name)
}

// EndpointSlices implements Objects.
func (l *Listers) EndpointSlices(namespace, service string) ([]*discoveryv1.EndpointSlice, error) {
	sel := labels.SelectorFromSet(labels.Set{discoveryv1.LabelServiceName: service})
	return l.slices.EndpointSlices(namespace).List(sel)
}

// Server serves a Resolver over UDP and TCP.
type Server struct {
	Resolver *Resolver
	Log      *slog.Logger
}

// ListenAndServe answers on addr ("10.244.0.1:53") until ctx ends. It
// returns the bound address (UDP and TCP share the port, also when addr asks
// for port 0) once both listeners are bound, or the bind error.
func (s *Server) ListenAndServe(ctx context.Context, addr string) (string, error) {
	handler := dns.HandlerFunc(func(w dns.ResponseWriter, req *dns.Msg) {
		m := s.Resolver.Answer(req)
		if _, udp := w.RemoteAddr().(*net.UDPAddr); udp {
			// Too large for the client's buffer: truncate and set TC, so the
			// client retries over TCP (services with many endpoints).
			size := dns.MinMsgSize
			if o := req.IsEdns0(); o != nil {
				size = int(o.UDPSize())
			}
			m.Truncate(size)
		}
		_ = w.WriteMsg(m)
	})
	pc, err := net.ListenPacket("udp", addr)
	if err != nil {
		return "", fmt.Errorf("listen for DNS on udp %s: %w", addr, err)
	}
	addr = pc.LocalAddr().String()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		_ = pc.Close()
		return "", fmt.Errorf("listen for DNS on tcp %s: %w", addr, err)
	}
	servers := []*dns.Server{
		{PacketConn: pc, Handler: handler},
		{Listener: ln, Handler: handler, ReadTimeout: 5 * time.Second},
	}
	for _, srv := range servers {
		go func() {
			if err := srv.ActivateAndServe(); err != nil && !errors.Is(err, net.ErrClosed) {
				s.Log.Error("DNS server stopped", "addr", addr, "err", err)
			}
		}()
	}
	go func() {
		<-ctx.Done()
		for _, srv := range servers {
			_ = srv.Shutdown()
		}
	}()
	return addr, nil
}
