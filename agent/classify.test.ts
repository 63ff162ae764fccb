import { describe, expect, it } from 'vitest';
import { cancelledError, classifyError, timeoutError } from './classify.ts';

function errno(code: string, message = `${code} happened`): Error {
  return Object.assign(new Error(message), { code });
}

// Loopback cannot produce every failure (no route, certificates); the probe tests cover the ones it can.
describe('classifyError', () => {
  it.each([
    ['ECONNREFUSED', 'refused'],
    ['ETIMEDOUT', 'timeout'],
    ['ECONNRESET', 'reset'],
    ['EPIPE', 'reset'],
    ['EHOSTUNREACH', 'unreachable'],
    ['ENETUNREACH', 'unreachable'],
    ['ENOTFOUND', 'dns-error'],
    ['EAI_AGAIN', 'dns-error'],
    ['ERR_SSL_WRONG_VERSION_NUMBER', 'tls-error'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'tls-error'],
    ['CERT_HAS_EXPIRED', 'tls-error'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'tls-error'],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'tls-error'],
    ['EPROTO', 'tls-error'],
    ['HPE_INVALID_CONSTANT', 'protocol-error'],
    ['EMFILE', 'error'],
    // A target the agent refuses (destinations.ts) is its own error, never 'refused' (a peer's answer).
    ['AGENT_TARGET_REFUSED', 'error'],
    ['ABORT_ERR', 'error'],
  ])('classifies %s as %s and keeps the code', (code, outcome) => {
    expect(classifyError(errno(code))).toEqual({ outcome, code, detail: `${code} happened` });
  });

  it('reports errors without a code as error, with the first line of the message', () => {
    expect(classifyError(new Error('first\nsecond'))).toEqual({ outcome: 'error', detail: 'first' });
    expect(classifyError('plain text')).toEqual({ outcome: 'error', detail: 'plain text' });
  });

  it('does not mistake inherited object keys for codes', () => {
    expect(classifyError(errno('toString')).outcome).toBe('error');
  });

  it('classifies our own deadline as a timeout', () => {
    expect(classifyError(timeoutError(300))).toEqual({ outcome: 'timeout', code: 'ETIMEDOUT', detail: 'no answer within 300 ms' });
  });

  it('classifies a cancelled probe as an error saying why', () => {
    expect(classifyError(cancelledError(new Error('the client closed the connection')))).toEqual({
      outcome: 'error',
      code: 'ABORT_ERR',
      detail: 'cancelled: the client closed the connection',
    });
    expect(classifyError(cancelledError(undefined)).detail).toBe('cancelled: its client went away');
  });
});
