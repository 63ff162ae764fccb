// Applies the local cluster's admission webhook to the running cluster (cluster:up does it too,
// from addons.ts): `node ci/cluster/webhook/apply.ts`, as root, with the cluster up.
import { applyWebhook } from './webhook.ts';

applyWebhook();
console.log('shakedown-webhook applied');
