import { describe, expect, it } from 'vitest';
import { colorLevel, type Env } from './color.ts';

const tty = { isTTY: true };
const pipe = { isTTY: false };

describe('colorLevel', () => {
  it.each<[string, { isTTY?: boolean }, Env, number]>([
    ['a terminal', tty, { TERM: 'xterm-256color' }, 1],
    ['a pipe', pipe, { TERM: 'xterm-256color' }, 0],
    ['a stream that does not say', {}, {}, 0],
    ['NO_COLOR on a terminal', tty, { NO_COLOR: '1' }, 0],
    ['an empty NO_COLOR, which no-color.org says to ignore', tty, { NO_COLOR: '' }, 1],
    ['a dumb terminal', tty, { TERM: 'dumb' }, 0],
    ['FORCE_COLOR=1 on a pipe', pipe, { FORCE_COLOR: '1' }, 1],
    ['FORCE_COLOR=3 over NO_COLOR', pipe, { FORCE_COLOR: '3', NO_COLOR: '1' }, 3],
    ['FORCE_COLOR=9, capped at 3', pipe, { FORCE_COLOR: '9' }, 3],
    ['FORCE_COLOR=true on a pipe', pipe, { FORCE_COLOR: 'true' }, 1],
    ['an empty FORCE_COLOR', pipe, { FORCE_COLOR: '' }, 1],
    ['FORCE_COLOR=0 on a terminal', tty, { FORCE_COLOR: '0' }, 0],
    ['FORCE_COLOR=false on a terminal', tty, { FORCE_COLOR: 'false' }, 0],
    ['a FORCE_COLOR that is not a level, ignored', pipe, { FORCE_COLOR: 'yes' }, 0],
  ])('%s', (_case, stream, env, level) => {
    expect(colorLevel(stream, env)).toBe(level);
  });
});
