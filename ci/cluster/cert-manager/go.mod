// Our own mains for cert-manager's controller, webhook and cainjector. Upstream keeps them in
// modules of their own (cmd/controller, cmd/webhook, cmd/cainjector) that the module proxy does
// not serve; only github.com/cert-manager/cert-manager is served, and the code that wires the
// components together lives in its internal/ packages. A module whose path lies under
// github.com/cert-manager/cert-manager may import them, so this one is named there; the build's
// wrapper module replaces it with this directory. It never leaves this machine.
module github.com/cert-manager/cert-manager/shakedown

go 1.26.0

require github.com/cert-manager/cert-manager v1.21.2
