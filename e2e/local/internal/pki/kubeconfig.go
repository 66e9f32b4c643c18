package pki

import (
	"fmt"
	"os"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// WriteKubeconfig writes a self-contained kubeconfig (certificates embedded)
// that reaches server as the admin user, with name as cluster and context.
func WriteKubeconfig(path, name, server string, b *Bundle) error {
	ca, err := os.ReadFile(b.CACert)
	if err != nil {
		return fmt.Errorf("read CA certificate for kubeconfig: %w", err)
	}
	cert, err := os.ReadFile(b.AdminCert)
	if err != nil {
		return fmt.Errorf("read admin certificate for kubeconfig: %w", err)
	}
	key, err := os.ReadFile(b.AdminKey)
	if err != nil {
		return fmt.Errorf("read admin key for kubeconfig: %w", err)
	}
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters[name] = &clientcmdapi.Cluster{Server: server, CertificateAuthorityData: ca}
	cfg.AuthInfos[name+"-admin"] = &clientcmdapi.AuthInfo{ClientCertificateData: cert, ClientKeyData: key}
	cfg.Contexts[name] = &clientcmdapi.Context{Cluster: name, AuthInfo: name + "-admin", Namespace: "default"}
	cfg.CurrentContext = name
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		return fmt.Errorf("write kubeconfig %s: %w", path, err)
	}
	return os.Chmod(path, 0o600)
}
