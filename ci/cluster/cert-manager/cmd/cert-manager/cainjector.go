package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiext "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	kscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
	apireg "k8s.io/kube-aggregator/pkg/apis/apiregistration/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/cert-manager/cert-manager/internal/apis/config/cainjector/validation"
	"github.com/cert-manager/cert-manager/internal/kube"
	"github.com/cert-manager/cert-manager/pkg/cainjector/configfile"
	cmscheme "github.com/cert-manager/cert-manager/pkg/client/clientset/versioned/scheme"
	"github.com/cert-manager/cert-manager/pkg/controller/cainjector"
	logf "github.com/cert-manager/cert-manager/pkg/logs"
	"github.com/cert-manager/cert-manager/pkg/util"
	utilconfigfile "github.com/cert-manager/cert-manager/pkg/util/configfile"
)

// runCAInjector runs the CA injector: it writes the CA of a Certificate or Secret that an
// annotation names into webhook configurations, APIServices and CRDs. The Certificate CRD must
// exist first (the cluster applies the CRDs before the Deployments).
func runCAInjector(ctx context.Context, configFile string) error {
	loader, err := utilconfigfile.NewConfigurationFSLoader(nil, configFile)
	if err != nil {
		return err
	}
	file := configfile.New()
	if err := loader.Load(file); err != nil {
		return fmt.Errorf("config file %s: %w", configFile, err)
	}
	cfg := file.Config
	if errs := validation.ValidateCAInjectorConfiguration(cfg, nil); len(errs) > 0 {
		return fmt.Errorf("config file %s: %w", configFile, errs.ToAggregate())
	}
	if err := applyCommon(cfg.FeatureGates, func() error { return logf.ValidateAndApply(&cfg.Logging) }); err != nil {
		return err
	}
	if cfg.MetricsTLSConfig.FilesystemConfigProvided() || cfg.MetricsTLSConfig.DynamicConfigProvided() || cfg.EnablePprof {
		return errors.New("metricsTLSConfig and enablePprof are not part of this build: metrics are served over HTTP")
	}
	restConfig, err := kube.BuildClientConfig("", cfg.KubeConfig)
	if err != nil {
		return err
	}
	restConfig = util.RestConfigWithUserAgent(restConfig, "cainjector")

	scheme := runtime.NewScheme()
	utilruntime.Must(kscheme.AddToScheme(scheme))
	utilruntime.Must(cmscheme.AddToScheme(scheme))
	utilruntime.Must(apiext.AddToScheme(scheme))
	utilruntime.Must(apireg.AddToScheme(scheme))

	var namespaces map[string]cache.Config
	if cfg.Namespace != "" {
		namespaces = map[string]cache.Config{cfg.Namespace: {}}
	}
	le := cfg.LeaderElectionConfig
	mgr, err := ctrl.NewManager(restConfig, ctrl.Options{
		Scheme: scheme,
		Cache:  cache.Options{ReaderFailOnMissingInformer: true, DefaultNamespaces: namespaces},
		// Secrets are read directly, never cached: a cluster may hold many large ones.
		Client:                        client.Options{Cache: &client.CacheOptions{DisableFor: []client.Object{&corev1.Secret{}}}},
		LeaderElection:                le.Enabled,
		LeaderElectionNamespace:       le.Namespace,
		LeaderElectionID:              "cert-manager-cainjector-leader-election",
		LeaderElectionReleaseOnCancel: true,
		LeaderElectionLabels:          map[string]string{"app.kubernetes.io/managed-by": "cert-manager-cainjector"},
		LeaderElectionResourceLock:    resourcelock.LeasesResourceLock,
		LeaseDuration:                 &le.LeaseDuration,
		RenewDeadline:                 &le.RenewDeadline,
		RetryPeriod:                   &le.RetryPeriod,
		Metrics:                       metricsserver.Options{BindAddress: cfg.MetricsListenAddress},
	})
	if err != nil {
		return fmt.Errorf("controller manager: %w", err)
	}
	if cfg.EnableDataSourceConfig.Certificates {
		if err := waitForCertificateCRD(ctx, mgr); err != nil {
			return err
		}
	}
	log := logf.FromContext(ctx)
	log.Info("starting cert-manager cainjector")
	err = cainjector.RegisterAllInjectors(ctx, mgr, cainjector.SetupOptions{
		Namespace:                    cfg.Namespace,
		IgnoreNamespaces:             cfg.IgnoreNamespaces,
		EnableCertificatesDataSource: cfg.EnableDataSourceConfig.Certificates,
		EnabledReconcilersFor: map[string]bool{
			cainjector.MutatingWebhookConfigurationName:   cfg.EnableInjectableConfig.MutatingWebhookConfigurations,
			cainjector.ValidatingWebhookConfigurationName: cfg.EnableInjectableConfig.ValidatingWebhookConfigurations,
			cainjector.APIServiceName:                     cfg.EnableInjectableConfig.APIServices,
			cainjector.CustomResourceDefinitionName:       cfg.EnableInjectableConfig.CustomResourceDefinitions,
		},
	})
	if err != nil {
		return fmt.Errorf("registering the injectors: %w", err)
	}
	return mgr.Start(ctx)
}

// waitForCertificateCRD waits (up to five minutes, as upstream) for the Certificate CRD, whose
// informer the injectors start with.
func waitForCertificateCRD(ctx context.Context, mgr ctrl.Manager) error {
	direct, err := client.New(mgr.GetConfig(), client.Options{Scheme: mgr.GetScheme(), Mapper: mgr.GetRESTMapper()})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	for {
		err := direct.Get(ctx, client.ObjectKey{Name: "certificates.cert-manager.io"}, &apiext.CustomResourceDefinition{})
		if err == nil {
			return nil
		}
		logf.FromContext(ctx).Info("waiting for the certificates.cert-manager.io CRD", "error", err.Error())
		select {
		case <-ctx.Done():
			return fmt.Errorf("the certificates.cert-manager.io CRD did not appear: %w", err)
		case <-time.After(time.Second):
		}
	}
}
