package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mimirctl/mimirctl/pkg/duration"
	"github.com/mimirctl/mimirctl/pkg/promgate"
)

func TestResumeReusesEveryConnectionSettingButKeepsNoSecret(t *testing.T) {
	c := newTestCLI(t)
	dir := t.TempDir()
	password := filepath.Join(dir, "password")
	if err := os.WriteFile(password, []byte("s3cr3t-value"), 0o600); err != nil {
		t.Fatal(err)
	}
	want := promgate.Connection{URL: "https://mimir.example/prometheus", Tenant: "ops", BasicAuthUser: "mimirctl", BasicAuthPasswordFile: password,
		CAFile: filepath.Join(dir, "ca.pem"), CertFile: filepath.Join(dir, "cert.pem"), KeyFile: filepath.Join(dir, "key.pem"),
		ServerName: "mimir.internal", InsecureSkipVerify: true, Timeout: duration.Duration(45 * time.Second)}
	_, errOut, code := c.run("", "apply", "demo", "--prometheus-url", want.URL, "--prometheus-tenant", want.Tenant,
		"--prometheus-user", want.BasicAuthUser, "--prometheus-password-file", password, "--prometheus-ca-file", want.CAFile,
		"--prometheus-cert-file", want.CertFile, "--prometheus-key-file", want.KeyFile, "--prometheus-server-name", want.ServerName,
		"--prometheus-insecure-skip-verify", "--prometheus-timeout", "45s")
	if code != ExitPaused {
		t.Fatalf("apply: exit %d\n%s", code, errOut)
	}
	state, _, _ := c.run("", "status", "-o", "json")
	if strings.Contains(state, "s3cr3t") {
		t.Fatalf("the run state holds the password:\n%s", state)
	}
	c.run("", "approve", "2-route")
	c.bound = BindOptions{}
	if _, errOut, code := c.run("", "resume", "--yes"); code != ExitOK {
		t.Fatalf("resume: exit %d\n%s", code, errOut)
	}
	if got := c.bound.Prometheus; got != want {
		t.Errorf("resume bound\n%+v\nwant\n%+v", got, want)
	}
}

func TestAPrometheusURLWithCredentialsIsRefusedBeforeAnythingIsKept(t *testing.T) {
	c := newTestCLI(t)
	_, errOut, code := c.run("", "apply", "demo", "--prometheus-url", "http://admin:hunter2@prometheus:9090")
	if code == ExitOK || code == ExitPaused || !strings.Contains(errOut, "--prometheus-password-file") || strings.Contains(errOut, "hunter2") {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	if state, _, _ := c.run("", "status", "-o", "json"); strings.Contains(state, "hunter2") {
		t.Errorf("the password reached the run state:\n%s", state)
	}
}
