package nodeagent

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/mimirctl/mimirctl/e2e/local/internal/config"
	"github.com/mimirctl/mimirctl/e2e/local/internal/podlogs"
)

// serveKubeletAPI serves the part of the kubelet API the API server uses for
// `kubectl logs` (GET /containerLogs/NS/POD/CONTAINER with follow, previous
// and tailLines) on the bridge address. All nodes share it.
func (a *Agent) serveKubeletAPI(ctx context.Context) error {
	cert, err := tls.LoadX509KeyPair(a.cfg.KubeletCert, a.cfg.KubeletKey)
	if err != nil {
		return fmt.Errorf("load kubelet API certificate: %w", err)
	}
	caPEM, err := os.ReadFile(a.cfg.ClientCA)
	if err != nil {
		return fmt.Errorf("read client CA for the kubelet API: %w", err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	addr := net.JoinHostPort(a.cfg.HostIP().String(), strconv.Itoa(config.KubeletPort))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen for the kubelet API on %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") })
	mux.HandleFunc("GET /containerLogs/{ns}/{pod}/{container}", a.containerLogs)
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{cert}, ClientCAs: pool, ClientAuth: tls.RequireAndVerifyClientCert},
	}
	go func() {
		if err := srv.ServeTLS(ln, "", ""); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.cfg.Log.Error("kubelet API stopped", "err", err)
		}
	}()
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	return nil
}

func (a *Agent) containerLogs(w http.ResponseWriter, r *http.Request) {
	ns, pod, ctr := r.PathValue("ns"), r.PathValue("pod"), r.PathValue("container")
	q := r.URL.Query()
	path, err := podlogs.Find(a.cfg.Layout, ns, pod, ctr, q.Get("previous") == "true")
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	tail := -1
	if v, err := strconv.Atoi(q.Get("tailLines")); err == nil {
		tail = v
	}
	w.Header().Set("Content-Type", "text/plain")
	if err := podlogs.Tail(w, path, tail); err != nil || q.Get("follow") != "true" {
		return
	}
	flusher, _ := w.(http.Flusher)
	podlogs.Follow(r.Context(), w, path, func() {
		if flusher != nil {
			flusher.Flush()
		}
	})
}
