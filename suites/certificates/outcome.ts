// A failed handshake as a finding's classification.
import type { Outcome } from '../../agent/protocol.ts';
import type { Classification } from '../../helpers/result.ts';

export function classificationOf(outcome: Outcome): Classification {
  switch (outcome) {
    case 'refused':
    case 'timeout':
    case 'reset':
    case 'unreachable':
    case 'dns-error':
    case 'tls-error':
      return outcome;
    default:
      return 'error';
  }
}
