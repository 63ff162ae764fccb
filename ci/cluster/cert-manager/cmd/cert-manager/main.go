// Command cert-manager runs one of cert-manager's components, named by its first argument
// (controller, webhook or cainjector), configured by the file --config names: the upstream
// configuration API (controller.config.cert-manager.io/v1alpha1 ControllerConfiguration,
// webhook.config.cert-manager.io/v1alpha1 WebhookConfiguration,
// cainjector.config.cert-manager.io/v1alpha1 CAInjectorConfiguration), defaulted as upstream
// defaults it. One binary for the three keeps the build to one link and the cluster to one image.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/spf13/pflag"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/cert-manager/cert-manager/internal/cmd/util"
	logf "github.com/cert-manager/cert-manager/pkg/logs"
	utilfeature "github.com/cert-manager/cert-manager/pkg/util/feature"
)

const usage = "usage: cert-manager controller|webhook|cainjector --config FILE"

var components = map[string]func(ctx context.Context, configFile string) error{
	"controller": runController,
	"webhook":    runWebhook,
	"cainjector": runCAInjector,
}

func main() {
	if len(os.Args) < 2 || components[os.Args[1]] == nil {
		fmt.Fprintln(os.Stderr, usage)
		os.Exit(2)
	}
	name := os.Args[1]
	flags := pflag.NewFlagSet(name, pflag.ContinueOnError)
	configFile := flags.String("config", "", "the component's configuration file")
	if err := flags.Parse(os.Args[2:]); err != nil || *configFile == "" {
		fmt.Fprintln(os.Stderr, usage)
		os.Exit(2)
	}

	ctx, exit := util.SetupExitHandler(context.Background(), util.GracefulShutdown)
	defer exit() // may call os.Exit: deferred first, runs last

	logf.InitLogs()
	defer logf.FlushLogs()
	ctrl.SetLogger(logf.Log)
	ctx = logf.NewContext(ctx, logf.Log, name)

	if err := components[name](ctx, *configFile); err != nil && !errors.Is(err, context.Canceled) {
		logf.Log.Error(err, "cert-manager "+name+" failed")
		util.SetExitCode(err)
	}
}

// applyCommon sets what every component's configuration carries: feature gates, then logging.
func applyCommon(gates map[string]bool, logging func() error) error {
	if err := utilfeature.DefaultMutableFeatureGate.SetFromMap(gates); err != nil {
		return fmt.Errorf("feature gates: %w", err)
	}
	return logging()
}
