package main

import (
	"context"
	"fmt"

	"github.com/cert-manager/cert-manager/internal/apis/config/webhook/validation"
	cmwebhook "github.com/cert-manager/cert-manager/internal/webhook"
	logf "github.com/cert-manager/cert-manager/pkg/logs"
	utilconfigfile "github.com/cert-manager/cert-manager/pkg/util/configfile"
	"github.com/cert-manager/cert-manager/pkg/webhook/configfile"
)

// runWebhook serves cert-manager's validating and mutating admission webhook (and its health
// endpoints) as the configuration says, with the admission chain upstream's binary builds.
func runWebhook(ctx context.Context, configFile string) error {
	loader, err := utilconfigfile.NewConfigurationFSLoader(nil, configFile)
	if err != nil {
		return err
	}
	file := configfile.New()
	if err := loader.Load(file); err != nil {
		return fmt.Errorf("config file %s: %w", configFile, err)
	}
	cfg := file.Config
	if errs := validation.ValidateWebhookConfiguration(cfg, nil); len(errs) > 0 {
		return fmt.Errorf("config file %s: %w", configFile, errs.ToAggregate())
	}
	if err := applyCommon(cfg.FeatureGates, func() error { return logf.ValidateAndApply(&cfg.Logging) }); err != nil {
		return err
	}
	log := logf.FromContext(ctx)
	log.Info("starting cert-manager webhook", "port", cfg.SecurePort)
	srv, err := cmwebhook.NewCertManagerWebhookServer(log, *cfg)
	if err != nil {
		return err
	}
	return srv.Run(ctx)
}
