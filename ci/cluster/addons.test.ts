import { describe, expect, it } from 'vitest';
import { render } from './render.ts';

describe('manifest rendering', () => {
  it('fills every placeholder', () => {
    expect(render('image: ${IMAGE}\nip: ${IP}', { IMAGE: 'localhost/x:1', IP: '10.0.0.1' })).toBe('image: localhost/x:1\nip: 10.0.0.1');
  });

  it('fails on a placeholder without a value instead of leaving it empty', () => {
    expect(() => render('a: ${MISSING}', {})).toThrow('${MISSING}');
  });
});
