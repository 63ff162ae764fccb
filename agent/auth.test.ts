import { describe, expect, it } from 'vitest';
import { TOKEN_HEADER, TokenError, parseToken, presentedToken, tokenChecker } from './auth.ts';

const TOKEN = 'A'.repeat(20) + '-_b'.repeat(10);

describe("the agent's token check", () => {
  it("finds the token in Authorization: Bearer (any case, spaces around) or in the pod proxy's header", () => {
    expect(presentedToken({ authorization: `Bearer ${TOKEN}` })).toBe(TOKEN);
    expect(presentedToken({ authorization: `bearer \t${TOKEN} ` })).toBe(TOKEN);
    expect(presentedToken({ [TOKEN_HEADER]: TOKEN })).toBe(TOKEN);
    expect(presentedToken({ authorization: `Basic ${TOKEN}` })).toBeUndefined();
    expect(presentedToken({ authorization: 'Bearer' })).toBeUndefined();
    expect(presentedToken({ authorization: `Bearer ${TOKEN} extra` })).toBeUndefined();
    expect(presentedToken({})).toBeUndefined();
  });

  it('accepts exactly the token, whatever the length of what is presented', () => {
    const authorized = tokenChecker(TOKEN);
    expect(authorized({ authorization: `Bearer ${TOKEN}` })).toBe(true);
    expect(authorized({ [TOKEN_HEADER]: TOKEN })).toBe(true);
    for (const other of ['', 'x', TOKEN.slice(0, -1), `${TOKEN}x`, TOKEN.toLowerCase(), 'y'.repeat(10_000)]) {
      expect(authorized({ authorization: `Bearer ${other}` })).toBe(false);
      expect(authorized({ [TOKEN_HEADER]: other })).toBe(false);
    }
  });

  it('refuses an unusable token at once, saying why without quoting it', () => {
    expect(parseToken(` ${TOKEN}\n`, 'f')).toBe(TOKEN);
    for (const [text, problem] of [
      ['', 'is empty'],
      ['short-token', 'has 11 characters, fewer than 32'],
      [`${TOKEN}\u00e9`, 'printable ASCII'],
    ] as const) {
      expect(() => parseToken(text, '/run/token')).toThrow(TokenError);
      expect(() => parseToken(text, '/run/token')).toThrow(problem);
    }
    expect(() => tokenChecker('')).toThrow(/refuses to serve its API/);
  });
});
