import { describe, expect, it } from 'vitest';
import { endpointsOf, formatEndpoints } from './endpoints.ts';

describe('endpointsOf', () => {
  it('flattens EndpointSlices into addresses with their pod, node, readiness and ports', () => {
    const endpoints = endpointsOf([
      {
        addressType: 'IPv4',
        endpoints: [
          { addresses: ['10.244.1.5'], conditions: { ready: true }, nodeName: 'node1', targetRef: { kind: 'Pod', name: 'probe-0' } },
          { addresses: ['10.244.2.5'], conditions: { ready: false }, nodeName: 'node2', targetRef: { kind: 'Pod', name: 'probe-1' } },
          {
            addresses: ['10.244.2.6'],
            conditions: { ready: false, serving: true, terminating: true },
            nodeName: 'node2',
            targetRef: { kind: 'Pod', name: 'probe-2' },
          },
        ],
        ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      },
    ]);
    expect(endpoints).toEqual([
      { address: '10.244.1.5', pod: 'probe-0', node: 'node1', ready: true, terminating: false, ports: ['http=8080/TCP'] },
      { address: '10.244.2.5', pod: 'probe-1', node: 'node2', ready: false, terminating: false, ports: ['http=8080/TCP'] },
      { address: '10.244.2.6', pod: 'probe-2', node: 'node2', ready: false, terminating: true, ports: ['http=8080/TCP'] },
    ]);
    expect(formatEndpoints(endpoints)).toBe(
      [
        '10.244.1.5 ready pod=probe-0 node=node1 ports http=8080/TCP',
        '10.244.2.5 NOT ready pod=probe-1 node=node2 ports http=8080/TCP',
        '10.244.2.6 terminating pod=probe-2 node=node2 ports http=8080/TCP',
      ].join('\n'),
    );
    expect(formatEndpoints([])).toBe('(no endpoints)');
  });
});
