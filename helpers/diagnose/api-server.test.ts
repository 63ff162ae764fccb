import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { ShakedownError } from '../errors.ts';
import type { ApiResponse } from '../kube/connection.ts';
import { explainApiFailure } from './api-server.ts';

const READYZ_ETCD =
  '[+]ping ok\n[+]log ok\n[-]etcd failed: reason withheld\n[-]etcd-readiness failed: reason withheld\n[+]informer-sync ok\nreadyz check failed';
const timedOut = () =>
  new ShakedownError('SD_API_UNREACHABLE', 'cannot reach the API server at https://x:6443 (context "c"): no response in time', {
    cause: Object.assign(new Error('Headers Timeout Error'), { code: 'UND_ERR_HEADERS_TIMEOUT' }),
  });
const answer = (status: number, text: string) => async (): Promise<ApiResponse> => ({ status, text, headers: {} });

describe('explainApiFailure', () => {
  it('names etcd when calls time out and the API server reports its etcd checks failing', async () => {
    const error = await explainApiFailure(answer(500, READYZ_ETCD), timedOut());
    expect(error.code).toBe('SD_API_UNHEALTHY');
    expect(error.message).toBe(
      'etcd is at fault (high confidence): etcd does not answer the API server: its own health check reports [-]etcd, [-]etcd-readiness, so every read and write that needs storage hangs or fails',
    );
    expect(error.details).toMatch(/the failure: cannot reach the API server .* no response in time/);
  });

  it('names the API server itself when not even /readyz answers', async () => {
    const error = await explainApiFailure(async () => Promise.reject(new Error('timeout')), timedOut());
    expect(error.message).toMatch(/^api-server is at fault \(medium confidence\): the API server accepts connections but did not answer \/readyz/);
  });

  it('asks about server errors too, and leaves a healthy report and a refused connection as they were', async () => {
    const server = new ShakedownError('SD_SETUP_FAILED', 'failed to create namespace: etcdserver: request timed out', {
      cause: new ApiException(500, 'x', '{}', {}),
    });
    expect((await explainApiFailure(answer(500, READYZ_ETCD), server)).code).toBe('SD_API_UNHEALTHY');
    expect(await explainApiFailure(answer(200, '[+]ping ok\n[+]etcd ok\nreadyz check passed'), server)).toBe(server);
    const refused = new ShakedownError('SD_API_UNREACHABLE', 'refused', { cause: Object.assign(new Error('x'), { code: 'ECONNREFUSED' }) });
    let asked = false;
    expect(await explainApiFailure(async () => ((asked = true), { status: 200, text: '', headers: {} }), refused)).toBe(refused);
    expect(asked).toBe(false);
  });
});
