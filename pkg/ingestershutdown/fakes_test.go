package ingestershutdown

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/mimirctl/mimirctl/pkg/internal/testkit"
	"github.com/mimirctl/mimirctl/pkg/mimir"
	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
)

// fakeMimir is a set of fake ingesters (and config-serving pods) behind
// httptest servers, sharing one ring. It follows Mimir 3.x behaviour seen on
// real processes: /ingester/shutdown flushes, ships, leaves the ring, keeps
// serving /metrics; a second call answers 204 again.
type fakeMimir struct {
	t         *testing.T
	mu        sync.Mutex
	now       time.Time
	members   map[string]*fakeIngester
	readOnly  bool                         // prepare-instance-ring-downscale exists (2.14+)
	ingest    bool                         // ingest storage: the endpoint answers 405
	configs   map[string]map[string]string // pod → key → value
	calls     []string
	uploadBad bool // shipping fails
	// slow delays flush and shutdown calls per pod (real time, unlocked),
	// failOnce makes that pod's next flush fail one upload midway.
	slow     map[string]time.Duration
	failOnce map[string]bool
	// onUploadFailure runs when failOnce fails that upload (with the lock
	// held), before the rest of the slow call.
	onUploadFailure func(pod string)
	// onCall runs after each recorded call (with the lock held).
	onCall func(pod, what string)
	// ringPage, when set, is served as the ingester ring instead of members.
	ringPage []byte
	// readOnlyInRing names an instance the ring shows read-only.
	readOnlyInRing string
	// keepsRunning names pods whose /ingester/shutdown answers 204 while
	// the ingester goes on running (a stop that failed, or a process that
	// restarted in between).
	keepsRunning map[string]bool
	// readyLags names pods whose /ready goes on answering "ready" for that
	// many GETs after their shutdown (dskit's manager hearing of it late).
	readyLags map[string]int
}

type fakeIngester struct {
	id, zone, state    string
	readOnlySince      int64
	unshipped          float64
	uploads, failures  float64
	compactions, users float64
	started            float64 // process_start_time_seconds
	stopped, inRing    bool
	stopping           bool
	readyLag           int
}

func newFakeMimir(t *testing.T) *fakeMimir {
	return &fakeMimir{t: t, now: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC), members: map[string]*fakeIngester{},
		readOnly: true, configs: map[string]map[string]string{}, slow: map[string]time.Duration{}, failOnce: map[string]bool{}}
}

func (f *fakeMimir) record(pod, what string) {
	f.calls = append(f.calls, pod+" "+what)
	if f.onCall != nil {
		f.onCall(pod, what)
	}
}

func (f *fakeMimir) callsTo(what string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, c := range f.calls {
		if strings.HasSuffix(c, " "+what) {
			out = append(out, strings.TrimSuffix(c, " "+what))
		}
	}
	return out
}

// handler serves one pod.
func (f *fakeMimir) handler(pod string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == mimir.PathShutdown || r.URL.Path == "/ingester/flush" {
			f.slowCall(pod, r)
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		in := f.members[pod]
		switch {
		case r.URL.Path == mimir.PathIngesterRing && f.ringPage != nil:
			_, _ = w.Write(f.ringPage)
		case r.URL.Path == mimir.PathIngesterRing:
			f.writeRing(w)
		case r.URL.Path == mimir.PathPrepareRingDownscale && f.ingest:
			http.Error(w, "not supported with ingest storage", http.StatusMethodNotAllowed)
		case r.URL.Path == mimir.PathPrepareRingDownscale && !f.readOnly:
			http.NotFound(w, r)
		case r.URL.Path == mimir.PathPrepareRingDownscale:
			if r.Method == http.MethodPost && in.readOnlySince == 0 {
				in.readOnlySince = f.now.Unix()
				f.record(pod, "read-only")
			}
			fmt.Fprintf(w, `{"timestamp":%d}`, in.readOnlySince)
		case r.URL.Path == mimir.PathReady && in.stopping && !in.stopped:
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprint(w, "Some services are not Running:\nRunning: 9\nStopping: 1\n")
		case r.URL.Path == mimir.PathReady:
			if in.stopped && in.readyLag > 0 {
				in.readyLag--
				fmt.Fprint(w, "ready")
				return
			}
			if in.stopped {
				w.WriteHeader(http.StatusServiceUnavailable)
				fmt.Fprint(w, "Some services are not Running:\ningester-service: Terminated\n")
				return
			}
			fmt.Fprint(w, "ready")
		case r.URL.Path == mimir.PathShutdown:
			f.record(pod, "shutdown")
			f.flush(in)
			if f.keepsRunning[pod] {
				in.stopping = false
			} else {
				in.stopped, in.inRing, in.stopping = true, false, false
				in.readyLag = f.readyLags[pod]
			}
			w.WriteHeader(http.StatusNoContent)
		case r.URL.Path == "/ingester/flush":
			f.record(pod, "flush")
			f.flush(in)
			w.WriteHeader(http.StatusNoContent)
		default:
			http.NotFound(w, r)
		}
	})
}

// slowCall models a flush or shutdown of an ingester with millions of
// series: it takes f.slow[pod], a shutdown shows as Stopping meanwhile, and
// with failOnce one block upload fails a fifth of the way in.
func (f *fakeMimir) slowCall(pod string, r *http.Request) {
	f.mu.Lock()
	d, in := f.slow[pod], f.members[pod]
	if in != nil && r.URL.Path == mimir.PathShutdown && !in.stopped {
		in.stopping = true
	}
	f.mu.Unlock()
	if d == 0 || in == nil {
		return
	}
	time.Sleep(d / 5)
	f.mu.Lock()
	if f.failOnce[pod] {
		delete(f.failOnce, pod)
		in.failures++
		in.unshipped = float64(f.now.Add(-time.Hour).Unix())
		in.users = 0 // the head was compacted; the block stays unshipped
		if f.onUploadFailure != nil {
			f.onUploadFailure(pod)
		}
	}
	f.mu.Unlock()
	time.Sleep(d - d/5)
}

func (f *fakeMimir) flush(in *fakeIngester) {
	if in.unshipped != 0 && in.users == 0 {
		return // a failed block: the shutdown path does not retry it
	}
	if f.uploadBad {
		in.failures++
		in.unshipped = float64(f.now.Add(-time.Hour).Unix())
		return
	}
	in.compactions += in.users
	if in.users > 0 {
		in.uploads++
	}
	in.unshipped = 0
	in.users = 0
}

func (f *fakeMimir) writeRing(w http.ResponseWriter) {
	var members []testkit.RingMember
	for _, in := range f.members {
		if in.inRing {
			members = append(members, testkit.RingMember{ID: in.id, State: in.state, Zone: in.zone, Tokens: 2, ReadOnly: in.id == f.readOnlyInRing})
		}
	}
	_, _ = w.Write(testkit.RingPage(f.now, members...))
}

// fakeObserver reads the fake pods' state the way metrics and /config would.
type fakeObserver struct{ f *fakeMimir }

func (o fakeObserver) Metrics(_ context.Context, t podaccess.Target, names ...string) (map[string]float64, error) {
	o.f.mu.Lock()
	defer o.f.mu.Unlock()
	in, ok := o.f.members[t.Name]
	if !ok {
		return nil, fmt.Errorf("pod %s has no metrics", t.Name)
	}
	unshipped, users := in.unshipped, in.users
	if in.stopped {
		unshipped, users = 0, 0 // TSDBs closed: the gauge no longer tells
	}
	all := map[string]float64{mimir.MetricOldestUnshippedBlock: unshipped, mimir.MetricUploads: in.uploads, mimir.MetricUploadFailures: in.failures,
		mimir.MetricCompactions: in.compactions, mimir.MetricMemoryUsers: users, mimir.MetricProcessStart: in.started}
	out := map[string]float64{}
	for _, n := range names {
		if v, ok := all[n]; ok {
			out[n] = v
		}
	}
	return out, nil
}

func (o fakeObserver) Config(_ context.Context, t podaccess.Target, key string) (string, error) {
	o.f.mu.Lock()
	defer o.f.mu.Unlock()
	v, ok := o.f.configs[t.Name][key]
	if !ok {
		return "", fmt.Errorf("%s: /config has no %s", t.Name, key)
	}
	return v, nil
}

// cluster builds the fake clientset: StatefulSets and pods, each pod's
// http-metrics port pointing at its own httptest server on loopback.
type fakeCluster struct {
	*fake.Clientset
	f *fakeMimir
	// slowStop > 0 keeps the pods of a scaled-down StatefulSet until that
	// many more pod lists (polls) have seen them, as terminating pods are.
	slowStop int
	stopping []string
	polls    int
}

// setReplicas sets a StatefulSet's replicas, all of them ready.
func (fc *fakeCluster) setReplicas(t *testing.T, name string, n int32) {
	t.Helper()
	ctx := context.Background()
	sts, err := fc.AppsV1().StatefulSets("mimir").Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sts.Spec.Replicas = &n
	sts.Status = appsv1.StatefulSetStatus{Replicas: n, ReadyReplicas: n, UpdatedReplicas: n}
	if _, err := fc.AppsV1().StatefulSets("mimir").Update(ctx, sts, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func (fc *fakeCluster) addPod(t *testing.T, name, labelName string) {
	srv := httptest.NewServer(fc.f.handler(name))
	t.Cleanup(srv.Close)
	_, portStr, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
	port, _ := strconv.Atoi(portStr)
	pod := testkit.Pod(name, testkit.Label("name", labelName), testkit.ContainerPort("http-metrics", int32(port)), testkit.PodIP("127.0.0.1"))
	if _, err := fc.CoreV1().Pods("mimir").Create(context.Background(), pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func (fc *fakeCluster) addIngester(t *testing.T, sts, zone string, ordinal int, users float64) {
	name := fmt.Sprintf("%s-%d", sts, ordinal)
	fc.f.members[name] = &fakeIngester{id: name, zone: zone, state: "ACTIVE", inRing: true, users: users, unshipped: 0, started: 1.7e9}
	fc.addPod(t, name, sts)
}

// scaleReactor makes the scale subresource work on the fake clientset and,
// like a StatefulSet controller, deletes the pods at or above the new size.
func (fc *fakeCluster) scaleReactor() {
	fc.PrependReactor("get", "statefulsets", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if a.GetSubresource() != "scale" {
			return false, nil, nil
		}
		obj, err := fc.Tracker().Get(a.GetResource(), a.GetNamespace(), a.(k8stesting.GetAction).GetName())
		if err != nil {
			return true, nil, err
		}
		sts := obj.(*appsv1.StatefulSet)
		return true, &autoscalingv1.Scale{ObjectMeta: sts.ObjectMeta, Spec: autoscalingv1.ScaleSpec{Replicas: *sts.Spec.Replicas}}, nil
	})
	fc.PrependReactor("patch", "statefulsets", func(a k8stesting.Action) (bool, runtime.Object, error) {
		pa := a.(k8stesting.PatchAction)
		if a.GetSubresource() != "scale" {
			return false, nil, nil
		}
		var body struct {
			Spec struct{ Replicas int32 } `json:"spec"`
		}
		_ = json.Unmarshal(pa.GetPatch(), &body)
		obj, err := fc.Tracker().Get(a.GetResource(), a.GetNamespace(), pa.GetName())
		if err != nil {
			return true, nil, err
		}
		sts := obj.(*appsv1.StatefulSet).DeepCopy()
		sts.Spec.Replicas = &body.Spec.Replicas
		if err := fc.Tracker().Update(a.GetResource(), sts, a.GetNamespace()); err != nil {
			return true, nil, err
		}
		fc.f.record(pa.GetName(), fmt.Sprintf("scale %d", body.Spec.Replicas))
		pods, _ := fc.Tracker().List(corev1.SchemeGroupVersion.WithResource("pods"), corev1.SchemeGroupVersion.WithKind("Pod"), "mimir")
		for _, p := range pods.(*corev1.PodList).Items {
			// A StatefulSet's pods are <name>-<ordinal>; those at or above
			// the new size go, whatever their labels.
			ordinal, err := strconv.Atoi(strings.TrimPrefix(p.Name, pa.GetName()+"-"))
			if strings.HasPrefix(p.Name, pa.GetName()+"-") && err == nil && int32(ordinal) >= body.Spec.Replicas {
				if fc.slowStop > 0 {
					fc.stopping, fc.polls = append(fc.stopping, p.Name), 0
					continue
				}
				_ = fc.Tracker().Delete(corev1.SchemeGroupVersion.WithResource("pods"), "mimir", p.Name)
			}
		}
		// The typed client decodes the answer as a StatefulSet.
		return true, sts, nil
	})
	fc.PrependReactor("list", "pods", func(k8stesting.Action) (bool, runtime.Object, error) {
		if len(fc.stopping) == 0 {
			return false, nil, nil
		}
		if fc.polls++; fc.polls > fc.slowStop {
			for _, name := range fc.stopping {
				_ = fc.Tracker().Delete(corev1.SchemeGroupVersion.WithResource("pods"), "mimir", name)
			}
			fc.stopping = nil
		}
		return false, nil, nil
	})
}

// fakeProgress is a plan.Progress in memory.
type fakeProgress struct {
	data    map[string]string
	now     func() time.Time
	waits   map[string]time.Time
	reports []string
	// failSetAt makes the Nth Set fail (a crash before that record).
	sets, failSetAt int
	// onSet runs after each record.
	onSet func(k, v string)
	// sleeps counts Sleep calls; windowAt > 0 ends the window at that one.
	sleeps, windowAt int
	onSleep          func(d time.Duration)
}

var errCrash = fmt.Errorf("simulated crash")

func newFakeProgress(now func() time.Time) *fakeProgress {
	return &fakeProgress{data: map[string]string{}, now: now, waits: map[string]time.Time{}}
}

func (p *fakeProgress) Get(k string) (string, bool) { v, ok := p.data[k]; return v, ok }
func (p *fakeProgress) Now() time.Time              { return p.now() }
func (p *fakeProgress) Report(msg string)           { p.reports = append(p.reports, msg) }

func (p *fakeProgress) Set(_ context.Context, k, v string) error {
	p.sets++
	if p.failSetAt > 0 && p.sets >= p.failSetAt {
		return errCrash
	}
	p.data[k] = v
	if p.onSet != nil {
		p.onSet(k, v)
	}
	return nil
}

// Sleep counts the polls, which all wait through the run's clock, passes d
// to onSleep (the test's clock), and ends the maintenance window at the
// windowAt-th one, as the executor does.
func (p *fakeProgress) Sleep(ctx context.Context, d time.Duration) error {
	p.sleeps++
	if p.windowAt > 0 && p.sleeps >= p.windowAt {
		return &plan.WindowClosedError{Step: "test", Until: p.now(), Reason: "the test's window ended"}
	}
	if p.onSleep != nil {
		p.onSleep(d)
	}
	return ctx.Err()
}

func (p *fakeProgress) WaitUntil(ctx context.Context, key string, d time.Duration, _ string) error {
	if _, ok := p.data[key]; !ok {
		if err := p.Set(ctx, key, p.now().Add(d).Format(time.RFC3339)); err != nil {
			return err
		}
	}
	t, _ := time.Parse(time.RFC3339, p.data[key])
	p.waits[key] = t
	return nil
}

var (
	metav1GetOptions    = metav1.GetOptions{}
	metav1UpdateOptions = metav1.UpdateOptions{}
)
