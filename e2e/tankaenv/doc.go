// Package tankaenv gives tests and the demo the test Tanka project in
// e2e/testdata/tanka: its mimir-lite jsonnet library and the environments
// `environments/mimir` (Mimir 2.9 microservices, rings on memberlist) and
// `environments/mimir-kv` (Mimir 3.x, rings on Consul, HA tracker on etcd).
//
// Tests that change an environment work on a copy (Copy), add mimirctl's
// overlay the way mimirctl does (pkg/tanka Init and WriteOverlay), render it
// with pkg/tanka, and deploy it with pkg/kube (Apply, WaitReady).
//
//	root, _ := tankaenv.Copy(t.TempDir())
//	res, _ := tankaenv.Render(ctx, root, tankaenv.EnvMimir, &tanka.Overlay{
//		Config: map[string]any{"deployment_mode": "migration"},
//	})
//	_, _, _ = tankaenv.Apply(ctx, clients, res)
//	_ = tankaenv.WaitReady(ctx, clients, res.Objects, nil)
package tankaenv
