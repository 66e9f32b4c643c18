package promgate

import (
	"fmt"

	"github.com/prometheus/common/model"

	"github.com/mimirctl/mimirctl/pkg/gate"
)

// Samples turns an instant query result into samples named by their label
// sets. Range vectors and strings cannot be compared with a threshold and
// are refused with a hint.
func Samples(v model.Value) ([]gate.Sample, error) {
	switch val := v.(type) {
	case model.Vector:
		out := make([]gate.Sample, 0, len(val))
		for _, s := range val {
			out = append(out, gate.Sample{Series: s.Metric.String(), Value: float64(s.Value)})
		}
		return out, nil
	case *model.Scalar:
		return []gate.Sample{{Series: "scalar", Value: float64(val.Value)}}, nil
	case model.Matrix:
		return nil, fmt.Errorf("returned a range vector (%d series); wrap it in a function such as rate() or last_over_time()", len(val))
	case *model.String:
		return nil, fmt.Errorf("returned a string (%q), not numbers", val.Value)
	case nil:
		return nil, nil
	}
	return nil, fmt.Errorf("returned an unsupported result type %s", v.Type())
}
