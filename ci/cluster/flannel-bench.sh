#!/usr/bin/env bash
# The flannel profile end to end, with its timings: cluster:up -- --cni flannel, the proof that pod
# traffic runs on flannel (flannel-proof.ts), the netpol suite's one verdict naming flannel, the
# other suites that apply, then cluster:down and the check that it left nothing behind.
# It takes the machine's local cluster for itself (whatever ran before is removed) and leaves no
# cluster up: run `npm run cluster:up` afterwards for the default profile.
#   sudo ci/cluster/flannel-bench.sh [SUITES]    (SUITES: default services,dns,nodeport,smoke,network)
set -euo pipefail
cd "$(dirname "$0")/../.."
suites=${1:-services,dns,nodeport,smoke,network}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
step() { printf '\n=== %s (%s)\n' "$1" "$(date -u +%H:%M:%S)"; }
timed() { local s; s=$(date +%s); "$@"; echo "took $(( $(date +%s) - s )) s: $*"; }

step 'remove any cluster, then the footprint before'
timed npm run --silent cluster:down
npx node ci/cluster/footprint.ts > "$work/footprint-before.json"

step 'cluster:up in the flannel profile'
timed npm run --silent cluster:up -- --nodes "${SHAKEDOWN_CI_NODES:-2}" --cni flannel
npm run --silent cluster:status | grep -E '^pod network|flannel' || true

step 'pod traffic runs on flannel'
npx node ci/cluster/flannel-proof.ts

step 'netpol: exactly one verdict, naming flannel'
timed npx shakedown run --kubeconfig .cluster/kubeconfig --suite netpol --json "$work/netpol.json" || true
npx node -e '
  const r = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"));
  const failed = r.results.filter((c) => c.suite === "netpol" && c.status === "fail");
  for (const c of failed) console.log(`  fail ${c.check}: ${c.message}`);
  const ok = failed.length === 1 && /not enforced by .*flannel/.test(failed[0].message) && !/unknown/.test(failed[0].message);
  console.log(ok ? "one verdict naming flannel" : `expected one verdict naming flannel, saw ${failed.length} failure(s)`);
  if (!ok) process.exitCode = 1;
' "$work/netpol.json"

step "the suites that apply: $suites"
# The stub upstream answers whoami with the asking address; flanneld runs with --ip-masq, so the
# network suite expects pods to leave with their node's address (it reads that from flanneld's flags).
SHAKEDOWN_EGRESS_TARGET=10.217.0.2:53 timed npx shakedown run --kubeconfig .cluster/kubeconfig --suite "$suites" --json "$work/suites.json" || true
npx node -e '
  const r = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"));
  for (const c of r.results.filter((c) => c.status !== "pass")) console.log(`  ${c.status} ${c.suite} › ${c.check}: ${c.skipReason ?? c.message}`);
  const { passed, failed, skipped } = r.summary;
  console.log(`${passed} passed, ${failed} failed, ${r.summary.warned ?? 0} warned, ${skipped} skipped (report complete: ${r.complete})`);
  if (!r.complete || failed > 0 || passed === 0) process.exitCode = 1;
' "$work/suites.json"

step 'cluster:down leaves nothing behind'
SHAKEDOWN_FOOTPRINT_BEFORE="$work/footprint-before.json" npx vitest run --project teardown
