import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gitCommit, versionInfo, versionLine, versionProperties } from './version.ts';

const HASH = '0123456789abcdef0123456789abcdef01234567';

function checkout(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'sd-version-'));
  writeFileSync(join(root, 'package.json'), JSON.stringify({ version: '9.8.7' }));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

describe('version', () => {
  it("reads a checkout's HEAD: a branch's loose ref, a packed ref, or a detached commit", () => {
    expect(gitCommit(checkout({ '.git/HEAD': 'ref: refs/heads/main\n', '.git/refs/heads/main': `${HASH}\n` }))).toBe(HASH);
    expect(gitCommit(checkout({ '.git/HEAD': 'ref: refs/heads/main\n', '.git/packed-refs': `# pack-refs\n${HASH} refs/heads/main\n` }))).toBe(HASH);
    expect(gitCommit(checkout({ '.git/HEAD': `${HASH}\n` }))).toBe(HASH);
    expect(gitCommit(checkout({}))).toBeUndefined();
  });

  it('takes SHAKEDOWN_COMMIT outside a checkout (the image), and ignores what is not a commit', () => {
    expect(versionInfo(checkout({}), { SHAKEDOWN_COMMIT: HASH })).toMatchObject({ version: '9.8.7', commit: HASH });
    expect(versionInfo(checkout({}), { SHAKEDOWN_COMMIT: '' }).commit).toBeUndefined();
    expect(versionInfo(checkout({}), { SHAKEDOWN_COMMIT: '$(rm -rf /)' }).commit).toBeUndefined();
  });

  it('says it in one line and as report properties', () => {
    const info = { version: '9.8.7', commit: HASH, node: 'v24.21.0' };
    expect(versionLine(info)).toBe('shakedown 9.8.7 (commit 0123456789ab), Node.js v24.21.0');
    expect(versionLine({ ...info, commit: undefined })).toBe('shakedown 9.8.7, Node.js v24.21.0');
    expect(versionProperties(info)).toEqual({ 'shakedown.version': '9.8.7', 'shakedown.commit': HASH, 'shakedown.node': 'v24.21.0' });
  });
});
