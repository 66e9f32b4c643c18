package scenario

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/mimirctl/mimirctl/e2e/grafanalib"
	"github.com/mimirctl/mimirctl/e2e/tankaenv"
	"github.com/mimirctl/mimirctl/pkg/diff"
	"github.com/mimirctl/mimirctl/pkg/envchange"
	"github.com/mimirctl/mimirctl/pkg/kube"
	"github.com/mimirctl/mimirctl/pkg/tanka"
)

// LongTermData is extra jsonnet for DeployGrafana under which the cluster
// holds long-term data within minutes, set through Grafana's library's
// *_args: queriers and the ruler (whose arguments read-write mode's
// mimir-read and mimir-backend take over) ask the ingesters only for the
// last 6m (-querier.query-ingesters-within), and ingesters (and
// mimir-write) cut and ship a 1m block every minute
// (-blocks-storage.tsdb.block-ranges-period, head compaction every 15s;
// Mimir: 2h and 1m). A sample reaches the store-gateways and the queriers'
// bucket index about 3.5m after it is written at most (1.5 block ranges +
// head compaction interval + ship interval + compactor cleanup and
// store-gateway sync, 15s each in e2e/grafanalib's environment, + the
// queriers' one-minute bucket-index check), well within the 6m the
// ingesters still answer for, so no sample falls between the two. The
// read-write plans' long-term query gate (storeQuery, step 4.2 of
// microservices-to-read-write) needs it: with Mimir's 13h and 2h a young
// cluster has no data only the store-gateways answer.
const LongTermData = `{
  querier_args+:: { 'querier.query-ingesters-within': '6m' },
  ruler_args+:: { 'querier.query-ingesters-within': '6m' },
  ingester_args+:: {
    'blocks-storage.tsdb.block-ranges-period': '1m',
    'blocks-storage.tsdb.head-compaction-interval': '15s',
  },
}`

// ReadWrite is extra jsonnet for DeployGrafana, merged after LongTermData,
// that deploys the cluster in Grafana's read-write mode as a read-write user
// runs it (the environment tests render it; a way-back scenario on a
// cluster of its own would start there): deployment_mode read-write
// (whose assertions, zone-aware ingesters and store-gateways, rings on
// memberlist, no querier autoscaling and no ruler remote evaluation, the
// e2e environment meets), the library's mimir-write and mimir-backend
// defaults (3 replicas: one per zone) and one mimir-read replica, the size
// microservices-to-read-write leaves with mimirReadReplicas=1.
const ReadWrite = `{ _config+:: { deployment_mode: 'read-write', mimir_read_replicas: 1 } }`

// IngesterReplicas and StoreGatewayReplicas are the microservice ingesters
// and store-gateways the scenarios' environments run (e2e/grafanalib's
// multi_zone_ingester_replicas and multi_zone_store_gateway_replicas, one
// per zone): the way back to microservices restores them
// (read-write-to-microservices' ingesterReplicas and storeGatewayReplicas).
const (
	IngesterReplicas     = 3
	StoreGatewayReplicas = 3
)

// WayBackParams are the read-write-to-microservices parameters that bring
// the scenario's microservices back at their size (name → value).
func WayBackParams() map[string]string {
	return map[string]string{"ingesterReplicas": strconv.Itoa(IngesterReplicas), "storeGatewayReplicas": strconv.Itoa(StoreGatewayReplicas)}
}

// WayBackReplicas are WayBackParams as mimirctl's -p flags, in name order.
func WayBackReplicas() []string {
	params := WayBackParams()
	var out []string
	for _, name := range slices.Sorted(maps.Keys(params)) {
		out = append(out, "-p", name+"="+params[name])
	}
	return out
}

// Env is a test Tanka environment deployed in its own namespace.
type Env struct {
	NS string
	// Dir is the environment directory (mimirctl's --env).
	Dir     string
	Objects int
	Took    time.Duration
	// clusterWide are the cluster-scoped objects the deploy applied
	// (ClusterScoped), owned by ownership.
	clusterWide []*unstructured.Unstructured
	ownership   kube.Ownership
}

// deploy adds mimirctl's overlay import to the environment at dir, applies
// it and waits until every workload is ready.
func deploy(ctx context.Context, c *kube.Clients, dir, ns string) (*Env, error) {
	if _, err := tanka.Init(ctx, dir, tanka.Options{}); err != nil {
		return nil, err
	}
	res, err := tanka.Load(ctx, dir, tanka.Options{})
	if err != nil {
		return nil, err
	}
	start := time.Now()
	applied, own, err := tankaenv.Apply(ctx, c, res)
	if err != nil {
		return nil, err
	}
	clusterWide, err := ClusterScoped(c.Mapper, applied)
	if err != nil {
		return nil, err
	}
	if err := tankaenv.WaitReady(ctx, c, res.Objects, nil); err != nil {
		return nil, fmt.Errorf("environment %s in namespace %s not ready: %w", dir, ns, err)
	}
	return &Env{NS: ns, Dir: dir, Objects: len(res.Objects), Took: time.Since(start), clusterWide: clusterWide, ownership: own}, nil
}

// ClusterScoped keeps the objects of objs whose kind the cluster serves
// cluster-wide (mapper tells), other than Namespaces and
// CustomResourceDefinitions: the objects that deleting the environment's
// namespace leaves behind (webhook configurations, ClusterRoles and
// their bindings) and that one environment owns. A Namespace goes with
// DropNamespace; a CRD is shared by every namespace of the cluster, and
// deleting it deletes every object of its kind. Errors: a kind the cluster
// does not serve, naming the object.
func ClusterScoped(mapper meta.RESTMapper, objs []*unstructured.Unstructured) ([]*unstructured.Unstructured, error) {
	var out []*unstructured.Unstructured
	for _, o := range objs {
		gvk := o.GroupVersionKind()
		if gk := gvk.GroupKind(); gk == namespaceKind || gk == crdKind {
			continue
		}
		m, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", diff.RefOf(o), err)
		}
		if m.Scope.Name() == meta.RESTScopeNameRoot {
			out = append(out, o)
		}
	}
	return out, nil
}

var (
	namespaceKind = schema.GroupKind{Kind: "Namespace"}
	crdKind       = schema.GroupKind{Group: "apiextensions.k8s.io", Kind: "CustomResourceDefinition"}
)

// DropClusterScoped deletes the live counterparts of objs (ClusterScoped)
// that own applied (kube.Ownership.Applied: its environment label and
// mimirctl's field manager), each on the condition that its uid is the one
// read; those gone already, or not applied by own, stay as they are. An
// object of one name that two environments apply carries the label of the
// one that applied it last, and only that one's drop deletes it. Errors:
// every read or delete that failed, joined.
func DropClusterScoped(ctx context.Context, c *kube.Clients, own kube.Ownership, objs []*unstructured.Unstructured) error {
	var errs []error
	for _, o := range objs {
		live, err := kube.GetLive(ctx, c.Dynamic, c.Mapper, o)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if live == nil || !own.Applied(live) {
			continue
		}
		gvk := o.GroupVersionKind()
		m, err := c.Mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", diff.RefOf(o), err))
			continue
		}
		uid := live.GetUID()
		err = c.Dynamic.Resource(m.Resource).Delete(ctx, live.GetName(), metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}})
		if err != nil && !apierrors.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("delete %s: %w", diff.RefOf(o), err))
		}
	}
	return errors.Join(errs...)
}

// Drop deletes the environment's namespace (DropNamespace) and then the
// cluster-scoped objects its deploy applied (DropClusterScoped), which the
// namespace's deletion leaves. The webhook configurations of the library's
// rollout-operator, for one, would outlive the namespace and its operator,
// and a namespace of the same name created later would have its StatefulSet
// updates sent to webhooks that are not there, with the old operator's CA
// (failurePolicy Fail: refused).
func (e *Env) Drop(ctx context.Context, c *kube.Clients) error {
	return errors.Join(DropNamespace(ctx, c, e.NS), DropClusterScoped(ctx, c, e.ownership, e.clusterWide))
}

// ApplyOverlay writes the overlay, applies the environment and waits for it:
// the operator's own `tk apply`, outside mimirctl. It takes over fields other
// field managers own (a zone shutdown scales with a manager of its own).
func (e *Env) ApplyOverlay(ctx context.Context, c *kube.Clients, o *tanka.Overlay) error {
	if err := tanka.WriteOverlay(e.Dir, o); err != nil {
		return err
	}
	res, err := tanka.Load(ctx, e.Dir, tanka.Options{})
	if err != nil {
		return err
	}
	objs, _, err := envchange.AppliedObjects(res, false)
	if err != nil {
		return err
	}
	if _, err := kube.Apply(ctx, c.Dynamic, c.Mapper, objs, kube.ApplyOptions{ForceConflicts: true}); err != nil {
		return err
	}
	return tankaenv.WaitReady(ctx, c, res.Objects, nil)
}

// DropNamespace deletes the namespace and waits until it is gone.
func DropNamespace(ctx context.Context, c *kube.Clients, ns string) error {
	nss := c.Kube.CoreV1().Namespaces()
	if err := nss.Delete(ctx, ns, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("delete namespace %s: %w", ns, err)
	}
	for {
		if _, err := nss.Get(ctx, ns, metav1.GetOptions{}); apierrors.IsNotFound(err) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("namespace %s still terminating: %w", ns, ctx.Err())
		case <-time.After(2 * time.Second):
		}
	}
}

// DeployGrafana removes namespace ns if it exists, writes the e2e
// environment on Grafana's Mimir library of module m (grafanalib.Mimir305
// or Mimir216) into workDir
// (grafanalib.WriteTestProject: zoned ingesters and store-gateways rendered
// OnDelete, S3 storage on a Versity gateway, caches and rollout-operator
// off) with extra jsonnet merged into it ("" for none;
// grafanalib.RolloutOperatorLib turns the library's rollout-operator on),
// applies it and
// waits until every workload is ready.
func DeployGrafana(ctx context.Context, c *kube.Clients, workDir string, m grafanalib.Module, ns, extra string) (*Env, error) {
	if err := DropNamespace(ctx, c, ns); err != nil {
		return nil, err
	}
	k8sLib, err := grafanalib.KubernetesLibrary()
	if err != nil {
		return nil, err
	}
	dir, err := grafanalib.WriteTestProject(workDir, k8sLib, m, ns, extra)
	if err != nil {
		return nil, err
	}
	return deploy(ctx, c, dir, ns)
}
