package load

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"sort"

	"github.com/klauspost/compress/snappy"
	"google.golang.org/protobuf/encoding/protowire"
)

// Series is one time series to push.
type Series struct {
	Labels  map[string]string
	Samples []Sample
}

// Sample is a value at a millisecond timestamp.
type Sample struct {
	TimestampMs int64
	Value       float64
}

// encodeWriteRequest encodes Prometheus remote-write's WriteRequest
// (prompb): field 1 repeated TimeSeries{1: repeated Label{1 name, 2 value},
// 2: repeated Sample{1 double value, 2 int64 timestamp}}. Labels are sorted
// by name, as the protocol requires.
func encodeWriteRequest(series []Series) []byte {
	var out []byte
	for _, s := range series {
		var ts []byte
		names := make([]string, 0, len(s.Labels))
		for n := range s.Labels {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			var l []byte
			l = protowire.AppendTag(l, 1, protowire.BytesType)
			l = protowire.AppendString(l, n)
			l = protowire.AppendTag(l, 2, protowire.BytesType)
			l = protowire.AppendString(l, s.Labels[n])
			ts = protowire.AppendTag(ts, 1, protowire.BytesType)
			ts = protowire.AppendBytes(ts, l)
		}
		for _, smp := range s.Samples {
			var b []byte
			b = protowire.AppendTag(b, 1, protowire.Fixed64Type)
			b = protowire.AppendFixed64(b, math.Float64bits(smp.Value))
			b = protowire.AppendTag(b, 2, protowire.VarintType)
			b = protowire.AppendVarint(b, uint64(smp.TimestampMs))
			ts = protowire.AppendTag(ts, 2, protowire.BytesType)
			ts = protowire.AppendBytes(ts, b)
		}
		out = protowire.AppendTag(out, 1, protowire.BytesType)
		out = protowire.AppendBytes(out, ts)
	}
	return out
}

// Push sends series to a Mimir push endpoint (e.g. http://host/api/v1/push)
// as tenant and returns the status code, with an error carrying the status
// and body when the write is refused. Mimir answers 202 when the HA tracker
// dropped the samples of a replica that is not the elected one.
func Push(ctx context.Context, hc *http.Client, url, tenant string, series []Series) (int, error) {
	body := snappy.Encode(nil, encodeWriteRequest(series))
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Encoding", "snappy")
	req.Header.Set("Content-Type", "application/x-protobuf")
	req.Header.Set("X-Prometheus-Remote-Write-Version", "0.1.0")
	req.Header.Set("X-Scope-OrgID", tenant)
	resp, err := hc.Do(req)
	if err != nil {
		return 0, fmt.Errorf("push to %s: %w", url, err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
	if resp.StatusCode/100 != 2 {
		return resp.StatusCode, &PushError{Status: resp.StatusCode, Body: string(bytes.TrimSpace(msg))}
	}
	return resp.StatusCode, nil
}

// PushError is a refused write.
type PushError struct {
	Status int
	Body   string
}

func (e *PushError) Error() string { return fmt.Sprintf("push refused: %d %s", e.Status, e.Body) }
