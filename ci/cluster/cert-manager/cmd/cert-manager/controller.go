package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"

	config "github.com/cert-manager/cert-manager/internal/apis/config/controller"
	defaults "github.com/cert-manager/cert-manager/internal/apis/config/controller/v1alpha1"
	"github.com/cert-manager/cert-manager/internal/apis/config/controller/validation"
	"github.com/cert-manager/cert-manager/internal/pem"
	"github.com/cert-manager/cert-manager/pkg/controller"
	"github.com/cert-manager/cert-manager/pkg/controller/configfile"
	"github.com/cert-manager/cert-manager/pkg/healthz"
	dnsutil "github.com/cert-manager/cert-manager/pkg/issuer/acme/dns/util"
	logf "github.com/cert-manager/cert-manager/pkg/logs"
	utilconfigfile "github.com/cert-manager/cert-manager/pkg/util/configfile"

	// The controllers and issuers register themselves with pkg/controller when imported.
	_ "github.com/cert-manager/cert-manager/pkg/controller/acmechallenges"
	_ "github.com/cert-manager/cert-manager/pkg/controller/acmeorders"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificate-shim/ingresses"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/trigger"
	_ "github.com/cert-manager/cert-manager/pkg/controller/clusterissuers"
	_ "github.com/cert-manager/cert-manager/pkg/controller/issuers"
	_ "github.com/cert-manager/cert-manager/pkg/issuer/acme"
	_ "github.com/cert-manager/cert-manager/pkg/issuer/ca"
	_ "github.com/cert-manager/cert-manager/pkg/issuer/selfsigned"
	_ "github.com/cert-manager/cert-manager/pkg/issuer/vault"
	_ "github.com/cert-manager/cert-manager/pkg/issuer/venafi"
)

func loadControllerConfig(path string) (*config.ControllerConfiguration, error) {
	loader, err := utilconfigfile.NewConfigurationFSLoader(nil, path)
	if err != nil {
		return nil, err
	}
	file := configfile.New()
	if err := loader.Load(file); err != nil {
		return nil, fmt.Errorf("config file %s: %w", path, err)
	}
	cfg := file.Config
	if errs := validation.ValidateControllerConfiguration(cfg, nil); len(errs) > 0 {
		return nil, fmt.Errorf("config file %s: %w", path, errs.ToAggregate())
	}
	if err := applyCommon(cfg.FeatureGates, func() error { return logf.ValidateAndApply(&cfg.Logging) }); err != nil {
		return nil, err
	}
	limits := cfg.PEMSizeLimitsConfig
	pem.SetGlobalSizeLimits(pem.NewSizeLimitsFromConfig(int(limits.MaxCertificateSize), int(limits.MaxPrivateKeySize), int(limits.MaxChainLength), int(limits.MaxBundleSize)))
	if cfg.MetricsTLSConfig.FilesystemConfigProvided() || cfg.MetricsTLSConfig.DynamicConfigProvided() || cfg.EnablePprof {
		return nil, errors.New("metricsTLSConfig and enablePprof are not part of this build: metrics are served over HTTP")
	}
	return cfg, nil
}

// enabledControllers reads `controllers` as upstream does: "*" is every controller on by
// default, "-name" leaves one out, any other entry adds one.
func enabledControllers(cfg *config.ControllerConfiguration) sets.Set[string] {
	enabled, disabled := sets.New[string](), sets.New[string]()
	for _, c := range cfg.Controllers {
		switch {
		case c == "*":
			enabled.Insert(defaults.DefaultEnabledControllers...)
		case strings.HasPrefix(c, "-"):
			disabled.Insert(strings.TrimPrefix(c, "-"))
		default:
			enabled.Insert(c)
		}
	}
	if enabled.Len() == 0 && disabled.Len() > 0 {
		enabled.Insert(defaults.DefaultEnabledControllers...)
	}
	if cfg.Namespace != "" {
		enabled.Delete(defaults.ClusterScopedControllers...)
	}
	return enabled.Difference(disabled)
}

func contextOptions(cfg *config.ControllerConfiguration) (controller.ContextOptions, error) {
	quantities := map[string]*resource.Quantity{}
	for name, value := range map[string]string{
		"requestCPU": cfg.ACMEHTTP01Config.SolverResourceRequestCPU, "requestMemory": cfg.ACMEHTTP01Config.SolverResourceRequestMemory,
		"limitsCPU": cfg.ACMEHTTP01Config.SolverResourceLimitsCPU, "limitsMemory": cfg.ACMEHTTP01Config.SolverResourceLimitsMemory,
	} {
		q, err := resource.ParseQuantity(value)
		if err != nil {
			return controller.ContextOptions{}, fmt.Errorf("acmeHTTP01Config solver %s %q: %w", name, value, err)
		}
		quantities[name] = &q
	}
	nameservers := cfg.ACMEDNS01Config.RecursiveNameservers
	if len(nameservers) == 0 {
		nameservers = dnsutil.RecursiveNameservers
	}
	return controller.ContextOptions{
		Kubeconfig:         cfg.KubeConfig,
		KubernetesAPIQPS:   cfg.KubernetesAPIQPS,
		KubernetesAPIBurst: cfg.KubernetesAPIBurst,
		APIServerHost:      cfg.APIServerHost,
		Namespace:          cfg.Namespace,
		ACMEOptions: controller.ACMEOptions{
			HTTP01SolverResourceRequestCPU:    *quantities["requestCPU"],
			HTTP01SolverResourceRequestMemory: *quantities["requestMemory"],
			HTTP01SolverResourceLimitsCPU:     *quantities["limitsCPU"],
			HTTP01SolverResourceLimitsMemory:  *quantities["limitsMemory"],
			ACMEHTTP01SolverRunAsNonRoot:      cfg.ACMEHTTP01Config.SolverRunAsNonRoot,
			HTTP01SolverImage:                 cfg.ACMEHTTP01Config.SolverImage,
			HTTP01SolverNameservers:           cfg.ACMEHTTP01Config.SolverNameservers,
			HTTP01SolverExtraLabels:           cfg.ACMEHTTP01Config.SolverExtraLabels,
			HTTP01SolverRuntimeClassName:      cfg.ACMEHTTP01Config.SolverRuntimeClassName,
			DNS01Nameservers:                  nameservers,
			DNS01CheckRetryPeriod:             cfg.ACMEDNS01Config.CheckRetryPeriod,
			DNS01CheckAuthoritative:           !cfg.ACMEDNS01Config.RecursiveNameserversOnly,
		},
		SchedulerOptions: controller.SchedulerOptions{MaxConcurrentChallenges: cfg.MaxConcurrentChallenges},
		IssuerOptions: controller.IssuerOptions{
			ClusterIssuerAmbientCredentials: cfg.ClusterIssuerAmbientCredentials,
			IssuerAmbientCredentials:        cfg.IssuerAmbientCredentials,
			ClusterResourceNamespace:        cfg.ClusterResourceNamespace,
		},
		IngressShimOptions: controller.IngressShimOptions{
			DefaultIssuerName:                 cfg.IngressShimConfig.DefaultIssuerName,
			DefaultIssuerKind:                 cfg.IngressShimConfig.DefaultIssuerKind,
			DefaultIssuerGroup:                cfg.IngressShimConfig.DefaultIssuerGroup,
			DefaultAutoCertificateAnnotations: cfg.IngressShimConfig.DefaultAutoCertificateAnnotations,
			ExtraCertificateAnnotations:       cfg.IngressShimConfig.ExtraCertificateAnnotations,
		},
		CertificateOptions: controller.CertificateOptions{
			EnableOwnerRef:                           cfg.EnableCertificateOwnerRef,
			CopiedAnnotationPrefixes:                 cfg.CopiedAnnotationPrefixes,
			CertificateRequestMinimumBackoffDuration: cfg.CertificateRequestMinimumBackoffDuration,
			CertificateRequestMaximumBackoffDuration: cfg.CertificateRequestMaximumBackoffDuration,
		},
	}, nil
}

// runController serves metrics and health, waits to lead (when leader election is on), then runs
// every enabled controller until ctx ends. The Gateway API shim stays off: it is experimental
// upstream and needs a feature gate this cluster does not set.
func runController(ctx context.Context, configFile string) error {
	cfg, err := loadControllerConfig(configFile)
	if err != nil {
		return err
	}
	log := logf.FromContext(ctx)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	g, ctx := errgroup.WithContext(ctx)

	opts, err := contextOptions(cfg)
	if err != nil {
		return err
	}
	factory, err := controller.NewContextFactory(ctx, opts)
	if err != nil {
		return err
	}
	base, err := factory.Build()
	if err != nil {
		return err
	}
	enabled := enabledControllers(cfg)
	log.Info("starting cert-manager controller", "controllers", sets.List(enabled))

	var lc net.ListenConfig
	metricsLn, err := lc.Listen(ctx, "tcp", cfg.MetricsListenAddress)
	if err != nil {
		return fmt.Errorf("metrics listener %s: %w", cfg.MetricsListenAddress, err)
	}
	informers := base.SharedInformerFactory
	base.Metrics.SetupACMECollector(informers.Acme().V1().Challenges().Lister())
	base.Metrics.SetupCertificateCollector(informers.Certmanager().V1().Certificates().Lister())
	base.Metrics.SetupIssuerCollector(informers.Certmanager().V1().Issuers().Lister())
	base.Metrics.SetupClusterIssuerCollector(informers.Certmanager().V1().ClusterIssuers().Lister())
	metrics := base.Metrics.NewServer(metricsLn)
	g.Go(func() error {
		if err := metrics.Serve(metricsLn); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	})
	g.Go(func() error {
		<-ctx.Done()
		shutdown, done := context.WithTimeout(context.Background(), 5*time.Second)
		defer done()
		return metrics.Shutdown(shutdown) //nolint:contextcheck // ctx is over
	})

	healthzLn, err := lc.Listen(ctx, "tcp", cfg.HealthzListenAddress)
	if err != nil {
		return fmt.Errorf("healthz listener %s: %w", cfg.HealthzListenAddress, err)
	}
	health := healthz.NewServer(cfg.LeaderElectionConfig.HealthzTimeout)
	g.Go(func() error { return health.Start(ctx, healthzLn) })

	elected := make(chan struct{})
	if cfg.LeaderElectionConfig.Enabled {
		g.Go(func() error { return lead(ctx, factory, cfg, health, elected) })
	} else {
		close(elected)
	}
	select {
	case <-ctx.Done():
		return g.Wait()
	case <-elected:
	}

	for name, constructor := range controller.Known() {
		if !enabled.Has(name) {
			continue
		}
		c, err := constructor(factory)
		if err != nil {
			cancel()
			return errors.Join(fmt.Errorf("controller %s: %w", name, err), g.Wait())
		}
		g.Go(func() error { return c.Run(cfg.NumberOfConcurrentWorkers, ctx) })
	}
	base.SharedInformerFactory.Start(ctx.Done())
	base.KubeSharedInformerFactory.Start(ctx.Done())
	base.HTTP01ResourceMetadataInformersFactory.Start(ctx.Done())
	err = g.Wait()
	base.HTTP01ResourceMetadataInformersFactory.Shutdown()
	base.KubeSharedInformerFactory.Shutdown()
	base.SharedInformerFactory.Shutdown()
	return err
}

// lead holds the cert-manager-controller Lease for as long as ctx lasts; losing it is an error,
// so the process exits and its restart campaigns again.
func lead(ctx context.Context, factory *controller.ContextFactory, cfg *config.ControllerConfiguration, health *healthz.Server, elected chan struct{}) error {
	c, err := factory.Build("leader-election")
	if err != nil {
		return err
	}
	host, err := os.Hostname()
	if err != nil {
		return err
	}
	lock, err := resourcelock.NewWithLabels(resourcelock.LeasesResourceLock, cfg.LeaderElectionConfig.Namespace, "cert-manager-controller",
		c.Client.CoreV1(), c.Client.CoordinationV1(),
		resourcelock.ResourceLockConfig{Identity: host + "-external-cert-manager-controller", EventRecorder: c.Recorder},
		map[string]string{"app.kubernetes.io/managed-by": "cert-manager"})
	if err != nil {
		return err
	}
	lost := make(chan struct{})
	elector, err := leaderelection.NewLeaderElector(leaderelection.LeaderElectionConfig{
		Lock:            lock,
		LeaseDuration:   cfg.LeaderElectionConfig.LeaseDuration,
		RenewDeadline:   cfg.LeaderElectionConfig.RenewDeadline,
		RetryPeriod:     cfg.LeaderElectionConfig.RetryPeriod,
		ReleaseOnCancel: true,
		WatchDog:        health.LeaderHealthzAdaptor,
		Callbacks: leaderelection.LeaderCallbacks{
			OnStartedLeading: func(context.Context) { close(elected) },
			OnStoppedLeading: func() { close(lost) },
		},
	})
	if err != nil {
		return err
	}
	elector.Run(ctx)
	if ctx.Err() != nil {
		return nil
	}
	<-lost
	return errors.New("leader election lost")
}
