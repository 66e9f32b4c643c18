package workloads

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/mimirctl/mimirctl/pkg/plan"
)

// PVCCleanupSpec is the `pvcCleanup` action: the PersistentVolumeClaims
// matching a pattern that no pod uses any more (e.g. the microservices'
// ingester and store-gateway volumes after a migration). They are listed,
// and deleted only with --delete-pvcs.
type PVCCleanupSpec struct {
	// Match is a regular expression matched against whole PVC names.
	Match string `yaml:"match" json:"match"`
}

// Validate checks the pattern.
func (s *PVCCleanupSpec) Validate() error {
	if s.Match == "" {
		return fmt.Errorf("match: missing; e.g. \"(ingester|store-gateway|compactor)-.*\"")
	}
	if _, err := regexp.Compile("^(?:" + s.Match + ")$"); err != nil {
		return fmt.Errorf("match %q: %w", s.Match, err)
	}
	return nil
}

// Describe says what is cleaned up.
func (s *PVCCleanupSpec) Describe() string {
	return fmt.Sprintf("list unused PVCs matching /%s/; delete them only with --delete-pvcs", s.Match)
}

// Destructive: deleting a PVC deletes data.
func (s *PVCCleanupSpec) Destructive() bool { return true }

type pvcCleanup struct {
	spec *PVCCleanupSpec
	d    Deps
}

// unused lists the matching PVCs no pod mounts.
func (a *pvcCleanup) unused(ctx context.Context) ([]string, error) {
	ns := a.d.Namespace
	pvcs, err := a.d.Kube.CoreV1().PersistentVolumeClaims(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list PVCs in %s: %w", ns, err)
	}
	pods, err := a.d.Kube.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list pods in %s: %w", ns, err)
	}
	used := map[string]bool{}
	for _, p := range pods.Items {
		for _, v := range p.Spec.Volumes {
			if v.PersistentVolumeClaim != nil {
				used[v.PersistentVolumeClaim.ClaimName] = true
			}
		}
	}
	re := regexp.MustCompile("^(?:" + a.spec.Match + ")$")
	var out []string
	for _, c := range pvcs.Items {
		if re.MatchString(c.Name) && !used[c.Name] && c.DeletionTimestamp == nil {
			out = append(out, c.Name)
		}
	}
	sort.Strings(out)
	return out, nil
}

// Check is done when nothing is left to delete, or deleting was not asked
// for (the list is then only reported).
func (a *pvcCleanup) Check(ctx context.Context) (bool, string, error) {
	names, err := a.unused(ctx)
	if err != nil {
		return false, "", err
	}
	switch {
	case len(names) == 0:
		return true, "no unused PVC matches", nil
	case !a.d.DeletePVCs:
		return true, fmt.Sprintf("kept %d unused PVCs (pass --delete-pvcs to delete them): %s", len(names), strings.Join(names, ", ")), nil
	}
	return false, fmt.Sprintf("%d unused PVCs to delete: %s", len(names), strings.Join(names, ", ")), nil
}

// Apply deletes the unused PVCs, re-checking that no pod mounts them.
func (a *pvcCleanup) Apply(ctx context.Context, p plan.Progress) error {
	if !a.d.DeletePVCs {
		return nil
	}
	names, err := a.unused(ctx)
	if err != nil {
		return err
	}
	for _, n := range names {
		if err := a.d.Kube.CoreV1().PersistentVolumeClaims(a.d.Namespace).Delete(ctx, n, metav1.DeleteOptions{}); err != nil {
			return fmt.Errorf("delete PVC %s/%s: %w", a.d.Namespace, n, err)
		}
		p.Report("deleted PVC " + n)
	}
	return nil
}

// Preview lists the PVCs.
func (a *pvcCleanup) Preview(ctx context.Context) (plan.Change, error) {
	names, err := a.unused(ctx)
	if err != nil {
		return plan.Change{}, err
	}
	ch := plan.Change{Summary: fmt.Sprintf("%d unused PVCs match", len(names))}
	if a.d.DeletePVCs {
		for _, n := range names {
			ch.Deletes = append(ch.Deletes, "PersistentVolumeClaim "+a.d.Namespace+"/"+n)
		}
	} else if len(names) > 0 {
		ch.Diff = "kept unless --delete-pvcs: " + strings.Join(names, ", ")
	}
	return ch, nil
}
