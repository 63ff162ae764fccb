import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy, SCRIPT } from './script.ts';
import { STYLE } from './style.ts';

describe("the report's script and its policy", () => {
  it('is a script a browser parses, with nothing that reaches out', () => {
    expect(() => new Function(SCRIPT)).not.toThrow();
    expect(SCRIPT).not.toMatch(/fetch|XMLHttpRequest|WebSocket|localStorage|sessionStorage|document\.cookie|innerHTML|eval\(|import\(/);
  });

  it('allows only this style and this script, by hash', () => {
    const csp = contentSecurityPolicy(STYLE, SCRIPT);
    const hash = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
    expect(csp).toBe(`default-src 'none'; style-src ${hash(STYLE)}; script-src ${hash(SCRIPT)}; base-uri 'none'; form-action 'none'`);
  });
});
