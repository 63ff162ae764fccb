import { describe, expect, it } from 'vitest';
import { createCleanupStack } from './cleanup-stack.ts';

describe('createCleanupStack', () => {
  it('runs finalizers in reverse order, keeps going past failures and reports them', async () => {
    const ran: string[] = [];
    const stack = createCleanupStack();
    const boom = new Error('namespace delete refused');
    stack.push('namespace', async () => void ran.push('namespace'));
    stack.push('fleet', async () => {
      ran.push('fleet');
      throw boom;
    });
    stack.push('reporters', async () => void ran.push('reporters'));
    const failures = await stack.runAll();
    expect(ran).toEqual(['reporters', 'fleet', 'namespace']);
    expect(failures).toEqual([{ name: 'fleet', error: boom }]);
  });

  it('runs each finalizer once even when called twice at the same time', async () => {
    let count = 0;
    const stack = createCleanupStack();
    stack.push('once', async () => {
      count += 1;
      await new Promise((resolve) => setTimeout(resolve, 5));
    });
    await Promise.all([stack.runAll(), stack.runAll()]);
    await stack.runAll();
    expect(count).toBe(1);
  });

  it('still runs a finalizer pushed after cleanup began', async () => {
    const ran: string[] = [];
    const stack = createCleanupStack();
    stack.push('first', async () => void ran.push('first'));
    await stack.runAll();
    stack.push('late', async () => void ran.push('late'));
    expect(stack.size).toBe(1);
    await stack.runAll();
    expect(ran).toEqual(['first', 'late']);
    expect(stack.size).toBe(0);
  });
});
