// A diagnosis as the error that ends a wait, and the text of whatever the API client threw.
import { ApiException } from '@kubernetes/client-node';
import { ShakedownError } from '../errors.ts';
import { statusMessage } from '../kube/api-errors.ts';
import { where, type Diagnosis } from './diagnosis.ts';

// The component at fault, as the error that ends a wait.
export function diagnosisError(diagnosis: Diagnosis, cause?: unknown, also: readonly Diagnosis[] = []): ShakedownError {
  return new ShakedownError('SD_SETUP_FAILED', `${where(diagnosis)} is at fault (${diagnosis.confidence} confidence): ${diagnosis.summary}`, {
    ...(cause === undefined ? {} : { cause }),
    details: [
      ...diagnosis.evidence,
      ...also.map((other) => `also: ${other.summary}`),
      ...(diagnosis.reproduce === undefined ? [] : [`to see it: ${diagnosis.reproduce}`]),
    ].join('\n'),
    ...(diagnosis.hint === undefined ? {} : { hint: diagnosis.hint }),
  });
}

export function errorText(error: unknown): string {
  return error instanceof ApiException ? (statusMessage(error) ?? `HTTP ${error.code}`) : error instanceof Error ? error.message : String(error);
}
