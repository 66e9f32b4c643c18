package plan_test

import (
	"strings"
	"testing"

	"github.com/mimirctl/mimirctl/pkg/plan"
)

// An int parameter with a minimum refuses smaller values from the command
// line, naming the parameter and the minimum.
func TestIntParameterMinimum(t *testing.T) {
	one := int64(1)
	p := plan.Parameter{Name: "ingesterReplicas", Type: plan.TypeInt, Min: &one}
	for raw, wantErr := range map[string]bool{"0": true, "-2": true, "1": false, "30": false} {
		_, err := p.Parse(raw)
		if (err != nil) != wantErr {
			t.Errorf("Parse(%q) err = %v, want error %v", raw, err, wantErr)
		}
		if err != nil && !strings.Contains(err.Error(), "ingesterReplicas: "+raw+" is less than 1") {
			t.Errorf("Parse(%q) err = %v, want it to name the parameter and the minimum", raw, err)
		}
	}
}
