package ringcheck

import (
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/mimirctl/mimirctl/pkg/gate/gatetest"
)

// decodeSpec decodes a step-file snippet strictly, as the plan loader does,
// and validates it.
func decodeSpec(t *testing.T, src string) Spec {
	t.Helper()
	var s Spec
	gatetest.DecodeStrict(t, src, &s)
	return s
}

func TestStepFileSnippetsDecode(t *testing.T) {
	tests := []struct {
		name, src, wantDescribe string
	}{
		{
			name: "step 4.2: the store-gateway ring holds both microservices and read-write members",
			src: `
ring: store-gateway
pods: {labels: "name in (store-gateway-zone-a, mimir-backend-zone-a)"}
expect:
  - {members: "store-gateway-zone-.*", min: 1, state: ACTIVE}
  - {members: "mimir-backend-zone-.*", joined: true}
`,
			wantDescribe: "ring store-gateway: members /store-gateway-zone-.*/ ≥ 1, all ACTIVE; members /mimir-backend-zone-.*/ ≥ 1, all ACTIVE and healthy",
		},
		{
			name: "step 5: backend microservices left their rings",
			src: `
ring: compactor
pods: {names: "mimir-backend-zone-a-[0-9]+"}
heartbeatTimeout: 2m
expect:
  - {workload: compactor, left: true}
  - {notIn: [LEAVING, JOINING, PENDING]}
`,
			wantDescribe: "ring compactor: workload compactor members absent; members none LEAVING/JOINING/PENDING",
		},
		{
			name: "step 6.1: three mimir-write instances joined the ingester ring, one per zone",
			src: `
ring: ingester
pods: {labels: "rollout-group=mimir-write"}
allPods: true
expect:
  - members: "mimir-write-zone-.*"
    joined: true
    count: 3
    perZone: {zones: [zone-a, zone-b, zone-c], count: 1}
`,
			wantDescribe: "ring ingester: members /mimir-write-zone-.*/ = 3, all ACTIVE and healthy, in each of zone-a, zone-b, zone-c = 1",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := decodeSpec(t, tt.src)
			if got := s.Describe(); got != tt.wantDescribe {
				t.Errorf("Describe() = %q\nwant        %q", got, tt.wantDescribe)
			}
		})
	}
	if d := decodeSpec(t, tests[1].src).heartbeatTimeout(); d != 2*time.Minute {
		t.Errorf("heartbeatTimeout = %s, want 2m", d)
	}
}

func TestStepFileTyposAreRefused(t *testing.T) {
	dec := yaml.NewDecoder(strings.NewReader("ring: ingester\npods: {labels: a=b}\nexpect:\n  - {member: x, state: ACTIVE}\n"))
	dec.KnownFields(true)
	var s Spec
	if err := dec.Decode(&s); err == nil || !strings.Contains(err.Error(), "member") {
		t.Fatalf("decode accepted a misspelt key: %v", err)
	}
}
