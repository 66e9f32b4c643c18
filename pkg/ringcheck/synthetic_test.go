package ringcheck

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"time"
)

// writeSyntheticRing writes a ring page shaped like Mimir 3.x's: n members
// named ingester-zone-{a,b,c}-<i> spread over three zones, tokens random
// uint32 each, every member ACTIVE with a heartbeat 5s before now.
func writeSyntheticRing(w io.Writer, n, tokens int, now time.Time) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	rng := rand.New(rand.NewPCG(1, 2))
	zones := []string{"zone-a", "zone-b", "zone-c"}
	hb := now.Add(-5 * time.Second).UTC().Format(time.RFC3339)
	reg := now.Add(-time.Hour).UTC().Format(time.RFC3339)
	fmt.Fprint(bw, `{"shards":[`)
	for i := 0; i < n; i++ {
		if i > 0 {
			bw.WriteByte(',')
		}
		z := zones[i%3]
		fmt.Fprintf(bw, `{"id":"ingester-%s-%d","state":"ACTIVE","address":"10.0.%d.%d:9095","timestamp":%q,"registered_timestamp":%q,"read_only":false,"read_only_updated_timestamp":"0001-01-01T00:00:00Z","zone":%q,"tokens":[`,
			z, i/3, i/256, i%256, hb, reg, z)
		for t := 0; t < tokens; t++ {
			if t > 0 {
				bw.WriteByte(',')
			}
			fmt.Fprint(bw, rng.Uint32())
		}
		bw.WriteString(`]}`)
	}
	fmt.Fprintf(bw, `],"now":%q}`, now.UTC().Format(time.RFC3339Nano))
	return bw.Flush()
}
