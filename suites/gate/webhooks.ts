// Admission webhooks that will block: failurePolicy Fail (the v1 default) with a Service behind
// them that has no ready endpoint. Every request they match is then refused, including the ones an
// upgrade makes (pods recreated by a drain, objects rewritten by the new control plane). Pure.
import type { ServiceReference, WebhookConfiguration } from '../lib/api-json.ts';

export interface Webhook {
  kind: 'validating' | 'mutating';
  configuration: string;
  name: string;
  failurePolicy: 'Fail' | 'Ignore';
  service?: ServiceReference;
  url?: string;
}

export function webhooksOf(validating: readonly WebhookConfiguration[], mutating: readonly WebhookConfiguration[]): Webhook[] {
  const of = (kind: Webhook['kind'], list: readonly WebhookConfiguration[]): Webhook[] =>
    list.flatMap((config) =>
      (config.webhooks ?? []).map((hook) => ({
        kind,
        configuration: config.metadata.name,
        name: hook.name,
        failurePolicy: hook.failurePolicy ?? 'Fail',
        ...(hook.clientConfig.service === undefined ? {} : { service: hook.clientConfig.service }),
        ...(hook.clientConfig.url === undefined ? {} : { url: hook.clientConfig.url }),
      })),
    );
  return [...of('validating', validating), ...of('mutating', mutating)];
}

// What was found behind a webhook's Service: undefined when the Service does not exist.
export type Behind = { ready: number; notReady: number } | undefined;

export interface HookVerdict {
  hook: Webhook;
  level: 'ok' | 'fail' | 'unknown';
  line: string;
}

export function judgeWebhook(hook: Webhook, behind: Behind): HookVerdict {
  const name = `${hook.kind} webhook ${hook.name} (configuration ${hook.configuration}, failurePolicy ${hook.failurePolicy})`;
  if (hook.service === undefined) return { hook, level: 'unknown', line: `${name}: calls ${hook.url ?? 'a URL'} outside the cluster: not judged` };
  const svc = `Service ${hook.service.namespace}/${hook.service.name}`;
  if (behind === undefined) {
    return hook.failurePolicy === 'Fail'
      ? { hook, level: 'fail', line: `${name}: ${svc} does not exist: every request it matches is refused` }
      : { hook, level: 'ok', line: `${name}: ${svc} does not exist, ignored on failure` };
  }
  if (behind.ready === 0 && hook.failurePolicy === 'Fail') {
    return { hook, level: 'fail', line: `${name}: ${svc} has no ready endpoint (${behind.notReady} not ready): every request it matches is refused` };
  }
  return { hook, level: 'ok', line: `${name}: ${svc} has ${behind.ready} ready endpoint(s)` };
}
