// Package deploy holds the manifests of deploy/ (RBAC, Job and CronJob
// examples, the krew plugin manifest); this test checks them against the
// Kubernetes API types and against mimirctl's own command line.
package deploy

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"text/template"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/meta/testrestmapper"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/kubernetes/scheme"
	rbacvalidation "k8s.io/component-helpers/auth/rbac/validation"
	"sigs.k8s.io/yaml"

	"github.com/mimirctl/mimirctl/pkg/cli"
	"github.com/mimirctl/mimirctl/plans"
)

// decodeFile decodes every document of a manifest file strictly (unknown
// or duplicate fields fail) into client-go's typed API objects.
func decodeFile(t *testing.T, path string) []runtime.Object {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := serializer.NewCodecFactory(scheme.Scheme, serializer.EnableStrict).UniversalDeserializer()
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var out []runtime.Object
	for {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if len(bytes.TrimSpace(stripComments(doc))) == 0 {
			continue
		}
		obj, _, err := dec.Decode(doc, nil, nil)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, obj)
	}
}

func stripComments(doc []byte) []byte {
	var b bytes.Buffer
	for _, l := range strings.Split(string(doc), "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "#") {
			b.WriteString(l + "\n")
		}
	}
	return b.Bytes()
}

// rbacObjects is every object of deploy/rbac, by kind and name.
type rbacObjects struct {
	roles           map[string]*rbacv1.Role
	clusterRoles    map[string]*rbacv1.ClusterRole
	roleBindings    []*rbacv1.RoleBinding
	clusterBindings []*rbacv1.ClusterRoleBinding
	accounts        map[string]*corev1.ServiceAccount
}

func loadRBAC(t *testing.T) rbacObjects {
	t.Helper()
	o := rbacObjects{roles: map[string]*rbacv1.Role{}, clusterRoles: map[string]*rbacv1.ClusterRole{}, accounts: map[string]*corev1.ServiceAccount{}}
	files, err := filepath.Glob("rbac/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests in rbac/: %v", err)
	}
	for _, path := range files {
		if filepath.Base(path) == "kustomization.yaml" {
			continue
		}
		for _, obj := range decodeFile(t, path) {
			switch v := obj.(type) {
			case *rbacv1.Role:
				o.roles[v.Name] = v
			case *rbacv1.ClusterRole:
				o.clusterRoles[v.Name] = v
			case *rbacv1.RoleBinding:
				o.roleBindings = append(o.roleBindings, v)
			case *rbacv1.ClusterRoleBinding:
				o.clusterBindings = append(o.clusterBindings, v)
			case *corev1.ServiceAccount:
				o.accounts[v.Name] = v
			default:
				t.Errorf("%s: unexpected %T", path, obj)
			}
		}
	}
	return o
}

// customResources are the resources of CRDs the code reads or applies,
// which client-go's scheme does not know: KEDA's ScaledObject
// (pkg/kube/autoscalers.go, keda.sh/v1alpha1).
var customResources = map[schema.GroupResource]bool{
	{Group: "keda.sh", Resource: "scaledobjects"}: true,
}

// subresources are the subresources the code uses: pods/proxy
// (pkg/podaccess), the scale subresource of Deployments and StatefulSets
// (pkg/kube/scale.go).
var subresources = map[schema.GroupResource][]string{
	{Resource: "pods"}:                        {"proxy"},
	{Group: "apps", Resource: "deployments"}:  {"scale"},
	{Group: "apps", Resource: "statefulsets"}: {"scale"},
}

// verbs are the RBAC verbs of resource requests (Kubernetes' "API
// Overview: request verbs"), without escalate and bind, which only
// rbacVerbs allows, and impersonate, which mimirctl never needs.
var verbs = []string{"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"}

// rbacVerbs are the verbs beyond verbs that a rule may grant, and only on
// Roles named in the rule (resourceNames): escalate and bind, without which the API server refuses to write
// a Role granting more than the writer holds, or to bind it (Kubernetes'
// "Using RBAC Authorization: privilege escalation prevention"), as applying
// the Roles Grafana's library renders needs.
var rbacVerbs = []string{"escalate", "bind"}

func TestRBACRulesNameResourcesThatExist(t *testing.T) {
	o := loadRBAC(t)
	mapper := testrestmapper.TestOnlyStaticRESTMapper(scheme.Scheme)
	check := func(owner string, rules []rbacv1.PolicyRule) {
		for _, r := range rules {
			if len(r.NonResourceURLs) > 0 {
				t.Errorf("%s: nonResourceURLs %v (discovery is system:discovery's)", owner, r.NonResourceURLs)
			}
			for _, v := range r.Verbs {
				onlyRoles := slices.Equal(r.APIGroups, []string{"rbac.authorization.k8s.io"}) && slices.Equal(r.Resources, []string{"roles"}) && len(r.ResourceNames) > 0
				if !slices.Contains(verbs, v) && (!onlyRoles || !slices.Contains(rbacVerbs, v)) {
					t.Errorf("%s: verb %q on %v %v", owner, v, r.APIGroups, r.Resources)
				}
			}
			for _, g := range r.APIGroups {
				for _, res := range r.Resources {
					name, sub, _ := strings.Cut(res, "/")
					gr := schema.GroupResource{Group: g, Resource: name}
					if !customResources[gr] {
						// Any served version will do (leases exist in v1 and
						// v1beta1); RBAC matches the plural name only.
						found, err := mapper.ResourcesFor(gr.WithVersion(""))
						if err != nil || found[0].Resource != name {
							t.Errorf("%s: %s is not a resource's (plural) name: %v %v", owner, gr, found, err)
						}
					}
					if sub != "" && !slices.Contains(subresources[gr], sub) {
						t.Errorf("%s: subresource %s of %s is not one the code uses", owner, sub, gr)
					}
				}
			}
		}
	}
	for n, r := range o.roles {
		check("Role "+n, r.Rules)
	}
	for n, r := range o.clusterRoles {
		check("ClusterRole "+n, r.Rules)
	}
}

func TestRBACBindingsReferToWhatIsDefined(t *testing.T) {
	o := loadRBAC(t)
	subjects := func(name string, ss []rbacv1.Subject) {
		for _, s := range ss {
			if s.Kind != rbacv1.ServiceAccountKind || o.accounts[s.Name] == nil || o.accounts[s.Name].Namespace != s.Namespace {
				t.Errorf("binding %s: subject %+v is not a ServiceAccount defined here", name, s)
			}
		}
	}
	bound := map[string]bool{}
	for _, b := range o.roleBindings {
		r := o.roles[b.RoleRef.Name]
		if b.RoleRef.Kind != "Role" || r == nil || r.Namespace != b.Namespace {
			t.Errorf("RoleBinding %s: roleRef %+v is not a Role of its namespace", b.Name, b.RoleRef)
		}
		subjects(b.Name, b.Subjects)
		for _, s := range b.Subjects {
			bound[s.Name] = true
		}
	}
	for _, b := range o.clusterBindings {
		if b.RoleRef.Kind != "ClusterRole" || o.clusterRoles[b.RoleRef.Name] == nil {
			t.Errorf("ClusterRoleBinding %s: roleRef %+v is not a ClusterRole defined here", b.Name, b.RoleRef)
		}
		subjects(b.Name, b.Subjects)
	}
	for n := range o.accounts {
		if !bound[n] {
			t.Errorf("ServiceAccount %s has no Role", n)
		}
	}
}

// TestTheReadOnlyRoleChangesNothingAndApplyIncludesIt: read-only means
// only get and list (pods/proxy get is a GET sent to a pod; see the note in
// readonly.yaml), and whatever reads a plan needs, a run needs too.
func TestTheReadOnlyRoleChangesNothingAndApplyIncludesIt(t *testing.T) {
	o := loadRBAC(t)
	ro, apply := o.roles["mimirctl-readonly"], o.roles["mimirctl-apply"]
	if ro == nil || apply == nil {
		t.Fatalf("Roles mimirctl-readonly and mimirctl-apply: %v %v", ro, apply)
	}
	for _, r := range ro.Rules {
		for _, v := range r.Verbs {
			if v != "get" && v != "list" {
				t.Errorf("read-only rule %v grants %s", r.Resources, v)
			}
		}
	}
	if ok, missing := rbacvalidation.Covers(apply.Rules, ro.Rules); !ok {
		t.Errorf("mimirctl-apply lacks what mimirctl-readonly grants: %v", missing)
	}
	for _, cr := range o.clusterRoles {
		for _, r := range cr.Rules {
			for _, v := range r.Verbs {
				if v != "get" && v != "list" {
					t.Errorf("ClusterRole %s grants %s on %v: cluster-wide access is for reading only", cr.Name, v, r.Resources)
				}
			}
		}
	}
}

// TestTheJobsRunMimirctlWithFlagsItHas parses the containers' arguments
// with mimirctl's own command tree, so that a renamed flag breaks this test
// rather than a night's maintenance window.
func TestTheJobsRunMimirctlWithFlagsItHas(t *testing.T) {
	o := loadRBAC(t)
	var specs []corev1.PodSpec
	for _, path := range []string{"job/job.yaml", "job/cronjob.yaml"} {
		for _, obj := range decodeFile(t, path) {
			switch v := obj.(type) {
			case *batchv1.Job:
				specs = append(specs, v.Spec.Template.Spec)
			case *batchv1.CronJob:
				if v.Spec.ConcurrencyPolicy != batchv1.ForbidConcurrent {
					t.Errorf("%s: two windows at once would wait on each other's lock", path)
				}
				specs = append(specs, v.Spec.JobTemplate.Spec.Template.Spec)
			default:
				t.Errorf("%s: unexpected %T", path, obj)
			}
		}
	}
	if len(specs) != 2 {
		t.Fatalf("want a Job and a CronJob, got %d pod specs", len(specs))
	}
	var claim string
	for _, obj := range decodeFile(t, "job/environment.yaml") {
		if pvc, ok := obj.(*corev1.PersistentVolumeClaim); ok {
			claim = pvc.Name
		}
	}
	if claim == "" {
		t.Fatal("job/environment.yaml holds no PersistentVolumeClaim")
	}
	for _, spec := range specs {
		// The environment must outlive the Job: the next window refuses an
		// environment that lacks what this one wrote (pkg/plan position.go).
		for _, v := range spec.Volumes {
			if v.PersistentVolumeClaim == nil || v.PersistentVolumeClaim.ClaimName != claim {
				t.Errorf("volume %s is not the claim %q of job/environment.yaml: what a window writes into the environment would be lost", v.Name, claim)
			}
		}
		if sa := o.accounts[spec.ServiceAccountName]; sa == nil {
			t.Errorf("serviceAccountName %q is not defined in rbac/", spec.ServiceAccountName)
		}
		c := spec.Containers[0]
		root := cli.NewRootCmd(cli.NewFactory(cli.IOStreams{}, plans.FS))
		cmd, rest, err := root.Find(c.Args)
		if err != nil || cmd.Name() != "resume" {
			t.Fatalf("args %v: command %v, %v", c.Args, cmd.Name(), err)
		}
		if err := cmd.ParseFlags(rest); err != nil {
			t.Errorf("args %v: %v", c.Args, err)
			continue
		}
		for flag, want := range map[string]string{"pod-access": "direct", "output": "json"} {
			if got := cmd.Flag(flag).Value.String(); got != want {
				t.Errorf("--%s is %q, want %q", flag, got, want)
			}
		}
		if cmd.Flag("until").Value.String() == "" {
			t.Errorf("args %v: no --until: the window would not end", c.Args)
		}
		if spec.RestartPolicy != corev1.RestartPolicyNever {
			t.Errorf("restartPolicy %s: a stopped run is resumed by the next window, not restarted", spec.RestartPolicy)
		}
	}
}

// krewPlugin is the part of krew's Plugin manifest
// (krew.googlecontainertools.github.com/v1alpha2) this test checks.
type krewPlugin struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name string `json:"name"`
	} `json:"metadata"`
	Spec struct {
		Version          string `json:"version"`
		Homepage         string `json:"homepage"`
		ShortDescription string `json:"shortDescription"`
		Platforms        []struct {
			Selector struct {
				MatchLabels map[string]string `json:"matchLabels"`
			} `json:"selector"`
			URI    string `json:"uri"`
			Sha256 string `json:"sha256"`
			Bin    string `json:"bin"`
		} `json:"platforms"`
	} `json:"spec"`
}

// TestTheKrewManifestRendersToAPluginForEachPlatform renders the template
// as krew-release-bot would, with a made-up tag and a checksum that is
// obviously not one (the test's own, never written anywhere), and checks
// krew's conventions: the plugin "mimir" runs kubectl-mimir, every
// platform's archive is that platform's.
func TestTheKrewManifestRendersToAPluginForEachPlatform(t *testing.T) {
	const tag, sha = "v0.0.0-test", "0000000000000000000000000000000000000000000000000000000000000000"
	data, err := os.ReadFile("krew/mimir.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := template.New("krew").Funcs(template.FuncMap{
		"addURIAndSha": func(uri, tag string) string {
			return "uri: " + strings.ReplaceAll(uri, "{{ .TagName }}", tag) + "\n    sha256: \"" + sha + "\""
		},
	}).Parse(string(data))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := tmpl.Execute(&out, map[string]string{"TagName": tag}); err != nil {
		t.Fatal(err)
	}
	var p krewPlugin
	if err := yaml.Unmarshal(out.Bytes(), &p); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if p.APIVersion != "krew.googlecontainertools.github.com/v1alpha2" || p.Kind != "Plugin" || p.Metadata.Name != "mimir" || p.Spec.Version != tag {
		t.Errorf("header %+v", p)
	}
	if p.Spec.ShortDescription == "" || p.Spec.Homepage == "" {
		t.Error("krew requires shortDescription and homepage")
	}
	seen := map[string]bool{}
	for _, pl := range p.Spec.Platforms {
		osArch := pl.Selector.MatchLabels["os"] + "_" + pl.Selector.MatchLabels["arch"]
		seen[osArch] = true
		wantBin, wantExt := "kubectl-mimir", ".tar.gz"
		if pl.Selector.MatchLabels["os"] == "windows" {
			wantBin, wantExt = wantBin+".exe", ".zip"
		}
		if pl.Bin != wantBin || pl.Sha256 != sha || !strings.HasSuffix(pl.URI, "/"+tag+"/kubectl-mimir_"+tag+"_"+osArch+wantExt) {
			t.Errorf("platform %s: uri %s sha256 %s bin %s", osArch, pl.URI, pl.Sha256, pl.Bin)
		}
	}
	for _, want := range []string{"linux_amd64", "linux_arm64", "darwin_amd64", "darwin_arm64", "windows_amd64", "windows_arm64"} {
		if !seen[want] {
			t.Errorf("no platform %s", want)
		}
	}
}
