package nodeagent

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os/exec"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// probe runs the startup probe until it passes, then readiness and liveness
// probes, for one run of c; it ends when the run ends (ctx).
func (w *podWorker) probe(ctx context.Context, pod *corev1.Pod, c *container, ip string) {
	if p := c.spec.StartupProbe; p != nil {
		if !w.loop(ctx, pod, c, p, ip, func(bool) {}, true) {
			return
		}
		w.mu.Lock()
		c.started = true
		w.mu.Unlock()
		w.poke()
	}
	if p := c.spec.LivenessProbe; p != nil {
		go w.loop(ctx, pod, c, p, ip, func(bool) {}, true)
	}
	if p := c.spec.ReadinessProbe; p != nil {
		w.loop(ctx, pod, c, p, ip, func(ok bool) { w.setReady(c, ok) }, false)
	} else {
		w.setReady(c, true)
	}
}

func (w *podWorker) setReady(c *container, ready bool) {
	w.mu.Lock()
	changed := c.ready != ready && c.running
	if c.running {
		c.ready = ready
	}
	w.mu.Unlock()
	if changed {
		w.poke()
	}
}

// loop runs probe p every period and reports threshold-crossing results to
// set. With fatal, reaching the failure threshold kills the container (it
// restarts per policy) and ends the loop; a fatal loop that reaches the
// success threshold returns true only for startup probes, which stop there.
func (w *podWorker) loop(ctx context.Context, pod *corev1.Pod, c *container, p *corev1.Probe, ip string, set func(bool), fatal bool) bool {
	period := seconds(p.PeriodSeconds, 10)
	fails, successes := 0, 0
	failThreshold, okThreshold := int(max(p.FailureThreshold, 1)), int(max(p.SuccessThreshold, 1))
	delay := seconds(p.InitialDelaySeconds, 0)
	startup := c.spec.StartupProbe == p
	for {
		select {
		case <-ctx.Done():
			return false
		case <-time.After(delay):
		}
		delay = period
		err := w.runProbe(ctx, p, c, ip)
		if ctx.Err() != nil {
			return false
		}
		if err == nil {
			fails, successes = 0, successes+1
			if successes >= okThreshold {
				set(true)
				if startup {
					return true
				}
			}
			continue
		}
		fails, successes = fails+1, 0
		if fails < failThreshold {
			continue
		}
		set(false)
		if fatal {
			w.a.cfg.Log.Info("probe failed, restarting container", "pod", pod.Namespace+"/"+pod.Name, "container", c.spec.Name, "err", err)
			w.kill(c, terminationGrace(pod))
			return false
		}
	}
}

func seconds(v int32, def int32) time.Duration {
	if v <= 0 {
		v = def
	}
	return time.Duration(v) * time.Second
}

// runProbe performs one check of p against the container.
func (w *podWorker) runProbe(ctx context.Context, p *corev1.Probe, c *container, ip string) error {
	ctx, cancel := context.WithTimeout(ctx, seconds(p.TimeoutSeconds, 1))
	defer cancel()
	switch {
	case p.HTTPGet != nil:
		return httpProbe(ctx, p.HTTPGet, c, ip)
	case p.TCPSocket != nil:
		return tcpProbe(ctx, p.TCPSocket.Host, p.TCPSocket.Port, c, ip)
	case p.GRPC != nil: // approximated by a TCP connect
		return tcpProbe(ctx, "", intstr.FromInt32(p.GRPC.Port), c, ip)
	case p.Exec != nil:
		w.mu.Lock()
		pid := c.pid
		w.mu.Unlock()
		return ExecIn(ctx, pid, p.Exec.Command)
	}
	return fmt.Errorf("probe has no handler")
}

// ExecIn runs argv inside the namespaces and root of process pid.
func ExecIn(ctx context.Context, pid int, argv []string) error {
	args := append([]string{"--target", strconv.Itoa(pid), "--mount", "--uts", "--net", "--root", "--wd", "--"}, argv...)
	out, err := exec.CommandContext(ctx, "nsenter", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("exec %v: %w: %s", argv, err, out)
	}
	return nil
}

var probeClient = &http.Client{
	Transport: &http.Transport{DisableKeepAlives: true, TLSClientConfig: &tls.Config{InsecureSkipVerify: true}},
}

func httpProbe(ctx context.Context, g *corev1.HTTPGetAction, c *container, ip string) error {
	port, err := resolvePort(g.Port, c)
	if err != nil {
		return err
	}
	host := g.Host
	if host == "" {
		host = ip
	}
	scheme := "http"
	if g.Scheme == corev1.URISchemeHTTPS {
		scheme = "https"
	}
	u := url.URL{Scheme: scheme, Host: net.JoinHostPort(host, strconv.Itoa(port)), Path: g.Path}
	if u.Path == "" {
		u.Path = "/"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return err
	}
	req.Header.Set("User-Agent", "kube-probe/1.34")
	for _, h := range g.HTTPHeaders {
		req.Header.Set(h.Name, h.Value)
	}
	resp, err := probeClient.Do(req)
	if err != nil {
		return err
	}
	_ = resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode >= 400 {
		return fmt.Errorf("GET %s: HTTP %d", u.String(), resp.StatusCode)
	}
	return nil
}

func tcpProbe(ctx context.Context, host string, p intstr.IntOrString, c *container, ip string) error {
	port, err := resolvePort(p, c)
	if err != nil {
		return err
	}
	if host == "" {
		host = ip
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", net.JoinHostPort(host, strconv.Itoa(port)))
	if err != nil {
		return err
	}
	return conn.Close()
}

// resolvePort turns a named port into its number.
func resolvePort(p intstr.IntOrString, c *container) (int, error) {
	if p.Type == intstr.Int {
		return p.IntValue(), nil
	}
	for _, cp := range c.spec.Ports {
		if cp.Name == p.StrVal {
			return int(cp.ContainerPort), nil
		}
	}
	return 0, fmt.Errorf("container %s has no port named %q", c.spec.Name, p.StrVal)
}
