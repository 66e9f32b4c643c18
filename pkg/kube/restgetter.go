package kube

import (
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// RESTClientGetter is c as the genericclioptions.RESTClientGetter that
// kubectl-style libraries (Helm's action.Configuration.Init) build their
// clients from: c.Config's server and credentials, c.Namespace as the
// namespace, discovery cached in memory. It works for clients built from
// a kubeconfig (Options.Connect) and for injected ones alike; the
// kubeconfig loader it returns knows only c.Config and c.Namespace (its
// RawConfig is empty).
func (c *Clients) RESTClientGetter() genericclioptions.RESTClientGetter {
	return &restClientGetter{config: c.Config, namespace: c.Namespace}
}

type restClientGetter struct {
	config    *rest.Config
	namespace string
}

func (g *restClientGetter) ToRESTConfig() (*rest.Config, error) {
	return rest.CopyConfig(g.config), nil
}

func (g *restClientGetter) ToDiscoveryClient() (discovery.CachedDiscoveryInterface, error) {
	d, err := discovery.NewDiscoveryClientForConfig(rest.CopyConfig(g.config))
	if err != nil {
		return nil, err
	}
	return memory.NewMemCacheClient(d), nil
}

func (g *restClientGetter) ToRESTMapper() (meta.RESTMapper, error) {
	d, err := g.ToDiscoveryClient()
	if err != nil {
		return nil, err
	}
	m := restmapper.NewDeferredDiscoveryRESTMapper(d)
	return restmapper.NewShortcutExpander(m, d, nil), nil
}

func (g *restClientGetter) ToRawKubeConfigLoader() clientcmd.ClientConfig {
	return &fixedClientConfig{g: g}
}

// fixedClientConfig is a clientcmd.ClientConfig that serves one rest.Config
// and namespace instead of reading kubeconfig files.
type fixedClientConfig struct{ g *restClientGetter }

func (f *fixedClientConfig) RawConfig() (clientcmdapi.Config, error) {
	return *clientcmdapi.NewConfig(), nil
}

func (f *fixedClientConfig) ClientConfig() (*rest.Config, error) { return f.g.ToRESTConfig() }

func (f *fixedClientConfig) Namespace() (string, bool, error) {
	if f.g.namespace == "" {
		return "default", false, nil
	}
	return f.g.namespace, true, nil
}

func (f *fixedClientConfig) ConfigAccess() clientcmd.ConfigAccess {
	return clientcmd.NewDefaultClientConfigLoadingRules()
}
