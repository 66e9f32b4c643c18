package ingestershutdown

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ConfigValue is one setting read from components' /config: the largest
// value over every selected pod, and the pod that holds it.
type ConfigValue struct {
	Key   string        `json:"key"`
	Value time.Duration `json:"value"`
	// Pod is the pod whose /config holds Value; Pods is how many pods were
	// read (0: no pod is selected, the setting does not apply).
	Pod  string `json:"pod"`
	Pods int    `json:"pods"`
}

func (v ConfigValue) String() string {
	switch v.Pods {
	case 0:
		return fmt.Sprintf("%s [no pod]", v.Value)
	case 1:
		return fmt.Sprintf("%s [%s]", v.Value, v.Pod)
	}
	return fmt.Sprintf("%s [%s, the largest of %d pods]", v.Value, v.Pod, v.Pods)
}

// QueryableWait is how long blocks uploaded by a zone's ingesters take to be
// seen by queries, with where each input came from.
type QueryableWait struct {
	// QueryStoreAfter is the largest querier.query_store_after of the
	// components that query the store: queriers (mimir-read) and rulers
	// (mimir-backend), which evaluate rules with their own querier settings.
	QueryStoreAfter    ConfigValue `json:"queryStoreAfter"`
	IgnoreBlocksWithin ConfigValue `json:"ignoreBlocksWithin"`
	SyncInterval       ConfigValue `json:"syncInterval"`
	CleanupInterval    ConfigValue `json:"cleanupInterval"`
}

// Duration is max(query-store-after, ignore-blocks-within + 2×sync-interval,
// 2×cleanup-interval): queriers only ask the store for data older than
// query-store-after; store-gateways load no block younger than
// ignore-blocks-within and learn of new blocks within two sync intervals of
// the bucket index, which the compactor rewrites every cleanup interval.
// Each input is the largest value over the pods that hold it.
func (w QueryableWait) Duration() time.Duration {
	return max(w.QueryStoreAfter.Value, w.IgnoreBlocksWithin.Value+2*w.SyncInterval.Value, 2*w.CleanupInterval.Value)
}

// String explains the computation.
func (w QueryableWait) String() string {
	return fmt.Sprintf("max(query-store-after %s, ignore-blocks-within %s + 2×sync-interval %s, 2×cleanup-interval %s) = %s",
		w.QueryStoreAfter, w.IgnoreBlocksWithin, w.SyncInterval, w.CleanupInterval, w.Duration())
}

// ParseDuration reads a duration as Mimir's /config prints it: Go's form
// ("12h0m0s") or Prometheus's ("1d", "2w", "0s").
func ParseDuration(s string) (time.Duration, error) {
	s = strings.Trim(strings.TrimSpace(s), `"'`)
	if s == "0" {
		return 0, nil
	}
	if d, err := time.ParseDuration(s); err == nil {
		return d, nil
	}
	var total time.Duration
	rest := s
	units := []struct {
		suffix string
		d      time.Duration
	}{{"y", 365 * 24 * time.Hour}, {"w", 7 * 24 * time.Hour}, {"d", 24 * time.Hour}}
	for _, u := range units {
		num, after, found := strings.Cut(rest, u.suffix)
		if !found {
			continue
		}
		n, err := strconv.Atoi(num)
		if err != nil {
			return 0, fmt.Errorf("duration %q is not valid", s)
		}
		total += time.Duration(n) * u.d
		rest = after
	}
	if rest != "" {
		d, err := time.ParseDuration(rest)
		if err != nil {
			return 0, fmt.Errorf("duration %q is not valid", s)
		}
		total += d
	}
	if rest == s {
		return 0, fmt.Errorf("duration %q is not valid", s)
	}
	return total, nil
}
