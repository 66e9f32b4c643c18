package mimirapi

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/mimirctl/mimirctl/pkg/mimir"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
)

// Elected is the replica a distributor accepts samples from for one HA
// cluster of one tenant.
type Elected struct {
	Tenant  string `json:"tenant"`
	Cluster string `json:"cluster"`
	Replica string `json:"replica"`
	// ElectedAt is when the replica was elected (3.x "lastElectionTime";
	// zero on 2.x, which does not say).
	ElectedAt time.Time `json:"electedAt,omitzero"`
	// LastSeen is when the elected replica last sent samples (3.x
	// "electedLastSeenTime", 2.x "electedAt").
	LastSeen time.Time `json:"lastSeen,omitzero"`
}

// HATrackerStatus is a distributor's /distributor/ha_tracker page.
type HATrackerStatus struct {
	Now     time.Time
	Elected []Elected // sorted by tenant, then cluster
}

// replicaJSON has the fields of every known layout:
// 2.x userID, cluster, replica, electedAt (the last-seen time);
// 3.x lastElectionTime and electedLastSeenTime instead of electedAt;
// some versions add failoverTimeoutForUser and a top-level electedPerUser.
type replicaJSON struct {
	UserID              string    `json:"userID"`
	Cluster             string    `json:"cluster"`
	Replica             string    `json:"replica"`
	ElectedAt           time.Time `json:"electedAt"`
	LastElectionTime    time.Time `json:"lastElectionTime"`
	ElectedLastSeenTime time.Time `json:"electedLastSeenTime"`
}

// ParseHATracker reads the JSON page in any known layout.
func ParseHATracker(b []byte) (HATrackerStatus, error) {
	var page struct {
		Elected        []replicaJSON            `json:"elected"`
		ElectedPerUser map[string][]replicaJSON `json:"electedPerUser"`
		Now            time.Time                `json:"now"`
	}
	if err := json.Unmarshal(b, &page); err != nil {
		return HATrackerStatus{}, fmt.Errorf("read HA tracker page: %w (answered as JSON?)", err)
	}
	list := page.Elected
	if len(list) == 0 {
		for user, rs := range page.ElectedPerUser {
			for _, r := range rs {
				if r.UserID == "" {
					r.UserID = user
				}
				list = append(list, r)
			}
		}
	}
	st := HATrackerStatus{Now: page.Now}
	for _, r := range list {
		e := Elected{Tenant: r.UserID, Cluster: r.Cluster, Replica: r.Replica, ElectedAt: r.LastElectionTime, LastSeen: r.ElectedLastSeenTime}
		if e.LastSeen.IsZero() {
			e.LastSeen = r.ElectedAt
		}
		st.Elected = append(st.Elected, e)
	}
	sort.Slice(st.Elected, func(i, j int) bool {
		a, b := st.Elected[i], st.Elected[j]
		if a.Tenant != b.Tenant {
			return a.Tenant < b.Tenant
		}
		return a.Cluster < b.Cluster
	})
	return st, nil
}

// FetchHATracker asks distributor pod t for its elected replicas.
func FetchHATracker(ctx context.Context, d podaccess.Doer, t podaccess.Target) (HATrackerStatus, error) {
	b, err := get(ctx, d, t, mimir.PathHATracker, mimir.AcceptJSON)
	if err != nil {
		return HATrackerStatus{}, fmt.Errorf("%w (is the HA tracker enabled on this distributor?)", err)
	}
	st, err := ParseHATracker(b)
	if err != nil {
		return HATrackerStatus{}, fmt.Errorf("pod %s: %w", t, err)
	}
	return st, nil
}
