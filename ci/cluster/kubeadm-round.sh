#!/usr/bin/env bash
# The kubeadm profile end to end, with its timings: cluster:up -- --profile kubeadm, every suite, the
# pre-upgrade gate against the next minor, the real upgrade (cluster:upgrade: kubeadm upgrade plan,
# apply, node, kubelets node by node), every suite again with the first run as its baseline, the
# diff of the two runs, then cluster:down and the check that it left nothing behind.
# It takes the machine's local cluster for itself (whatever ran before is removed) and leaves none.
#   sudo ci/cluster/kubeadm-round.sh [--kube-proxy-mode iptables|nftables]
set -euo pipefail
cd "$(dirname "$0")/../.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
step() { printf '\n=== %s (%s)\n' "$1" "$(date -u +%H:%M:%S)"; }
timed() { local s; s=$(date +%s); "$@"; echo "took $(( $(date +%s) - s )) s: $*"; }
from=$(npx node -e 'import("./ci/cluster/versions.ts").then((m) => console.log(m.versions.kubernetes))')
to=$(npx node -e 'import("./ci/cluster/versions.ts").then((m) => console.log(m.versions.kubernetesUpgrade))')

# What a user of a kubeadm cluster passes: the probe image mirrored where the nodes find it (here:
# preloaded), and an external name the cluster's upstream resolver knows.
flags=(--kubeconfig .cluster/kubeconfig --probe-image "localhost/shakedown/node:$(npx node -p process.versions.node)" --dns-external-name external.shakedown.test)
export SHAKEDOWN_EGRESS_TARGET=10.217.0.2:53 SHAKEDOWN_EGRESS_SOURCE=pod

# Prints a report's non-passing checks and its counts; exits 1 when a check failed or the report is incomplete.
summary() {
  npx node -e '
    const r = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"));
    for (const c of r.results.filter((c) => c.status === "skip" || c.status === "warn")) console.log(`  ${c.status} ${c.suite} › ${c.check}: ${c.skipReason ?? c.message}`);
    for (const c of r.results.filter((c) => c.status === "fail")) console.log(`  FAIL ${c.suite} › ${c.check}: ${String(c.message).slice(0, 600)}`);
    for (const e of r.errors) console.log(`  ERROR ${e.code}: ${e.message}`);
    const { passed, failed, skipped } = r.summary;
    console.log(`${process.argv[2]}: ${passed} passed, ${failed} failed, ${r.summary.warned ?? 0} warned, ${skipped} skipped (report complete: ${r.complete})`);
    if (!r.complete || failed > 0 || passed === 0) process.exitCode = 1;
  ' "$1" "$2"
}

step 'remove any cluster, then the footprint before'
timed npm run --silent cluster:down
npx node ci/cluster/footprint.ts > "$work/footprint-before.json"

step "cluster:up in the kubeadm profile (Kubernetes $from) $*"
timed npm run --silent cluster:up -- --nodes "${SHAKEDOWN_CI_NODES:-2}" --profile kubeadm "$@"
npm run --silent cluster:kubectl -- get nodes -o wide
npm run --silent cluster:kubectl -- -n kube-system get pods -o wide

step "every suite on the kubeadm cluster ($from)"
rc=0; timed npx shakedown run "${flags[@]}" --json "$work/before.json" || rc=$?
summary "$work/before.json" "every suite before the upgrade"
[ "$rc" -eq 0 ] || { echo "shakedown run exited $rc"; exit "$rc"; }

step "the pre-upgrade gate against ${to%.*}"
rc=0; timed npx shakedown gate --kubeconfig .cluster/kubeconfig --target-version "${to%.*}" --json "$work/gate.json" || rc=$?
npx node -e '
  const r = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"));
  for (const c of r.results) console.log(`  ${c.status} ${c.check}: ${c.skipReason ?? c.message}`);
' "$work/gate.json"
summary "$work/gate.json" 'gate'
[ "$rc" -eq 0 ] || { echo "shakedown gate exited $rc"; exit "$rc"; }

step "cluster:upgrade to $to: kubeadm upgrade plan, apply, node, then each kubelet"
timed npm run --silent cluster:upgrade -- --to "$to"
npm run --silent cluster:kubectl -- get nodes -o wide

step "every suite after the upgrade ($to), the first run as its baseline"
rc=0; timed npx shakedown run "${flags[@]}" --baseline "$work/before.json" --json "$work/after.json" || rc=$?
summary "$work/after.json" 'every suite after the upgrade'
[ "$rc" -eq 0 ] || { echo "shakedown run --baseline exited $rc"; exit "$rc"; }

step 'shakedown diff: before and after the upgrade'
# A check whose time doubled by more than 15 s is a regression. Within one every-suite run, where
# suites share 2 cores, a check's time moves by several seconds with the order in which the suites
# meet (seen: 2.4 s -> 7.9 s for the same healthy check), so the default floor of 2 s reads noise.
npx shakedown diff "$work/before.json" "$work/after.json" --timing-floor 15

step 'cluster:down leaves nothing behind'
# The teardown test takes the cluster down itself and compares the machine with the footprint before.
SHAKEDOWN_FOOTPRINT_BEFORE="$work/footprint-before.json" npx vitest run --project teardown
