// Headless Chromium driven over the DevTools protocol (Node's own WebSocket; no browser library):
// open a page (with or without its scripts), collect its console errors and uncaught exceptions,
// evaluate expressions in it, lay it out at another width or as printed, and take a screenshot. For
// the HTML report's browser test; needs Debian's `chromium` package.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const CHROMIUM = process.env.SHAKEDOWN_CHROMIUM ?? '/usr/bin/chromium';

interface Message {
  id?: number;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { message: string };
  sessionId?: string;
}

export interface Page {
  // Console errors and uncaught exceptions seen so far.
  problems: string[];
  evaluate<T>(expression: string): Promise<T>;
  // A new width (and height) of the window, as a phone's (below 600 px) or a desktop's; the page
  // lays itself out again.
  setViewport(viewport: Viewport): Promise<void>;
  // The page as printed ('print') or on screen ('screen').
  emulateMedia(media: 'print' | 'screen'): Promise<void>;
  // The whole page, or the part of it in `clip` (CSS pixels from its top left).
  screenshot(clip?: { x: number; y: number; width: number; height: number }): Promise<Buffer>;
  close(): Promise<void>;
}

export interface Viewport {
  width: number;
  height: number;
}

export interface OpenOptions {
  // false: the page's scripts do not run (as a viewer that blocks them shows it).
  javaScript?: boolean;
}

export async function openPage(url: string, viewport: Viewport = { width: 420, height: 900 }, options: OpenOptions = {}): Promise<Page> {
  const profile = mkdtempSync(join(tmpdir(), 'sd-chromium-'));
  const browser: ChildProcess = spawn(
    CHROMIUM,
    ['--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run', '--remote-debugging-port=0', `--user-data-dir=${profile}`, 'about:blank'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const endpoint = await new Promise<string>((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`chromium did not start: ${seen}`)), 30_000);
    browser.stderr?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      const match = /DevTools listening on (ws:\/\/\S+)/.exec(seen);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    browser.on('exit', (code) => reject(new Error(`chromium exited (${code}): ${seen}`)));
  });
  const socket = new WebSocket(endpoint);
  await new Promise((resolve, reject) => {
    socket.addEventListener('open', resolve, { once: true });
    socket.addEventListener('error', reject, { once: true });
  });
  let next = 0;
  const waiting = new Map<number, { resolve: (m: Message) => void; reject: (e: Error) => void }>();
  const problems: string[] = [];
  let loaded: () => void = () => undefined;
  const load = new Promise<void>((resolve) => (loaded = resolve));
  socket.addEventListener('message', (event: MessageEvent) => {
    const message = JSON.parse(String(event.data)) as Message;
    if (message.id !== undefined) {
      const waiter = waiting.get(message.id);
      waiting.delete(message.id);
      if (message.error !== undefined) waiter?.reject(new Error(message.error.message));
      else waiter?.resolve(message);
      return;
    }
    const params = message.params ?? {};
    if (message.method === 'Runtime.exceptionThrown') problems.push(`exception: ${JSON.stringify((params.exceptionDetails as { text?: string })?.text)}`);
    if (message.method === 'Runtime.consoleAPICalled' && (params.type === 'error' || params.type === 'warning'))
      problems.push(`console.${String(params.type)}: ${JSON.stringify(params.args)}`);
    if (message.method === 'Log.entryAdded') {
      const entry = params.entry as { level?: string; text?: string; url?: string };
      if (entry.level === 'error' || entry.level === 'warning') problems.push(`log ${entry.level}: ${entry.text ?? ''} ${entry.url ?? ''}`.trim());
    }
    if (message.method === 'Page.loadEventFired') loaded();
  });
  const send = (method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<Message> =>
    new Promise((resolve, reject) => {
      const id = ++next;
      waiting.set(id, { resolve, reject });
      socket.send(JSON.stringify({ id, method, params, ...(sessionId === undefined ? {} : { sessionId }) }));
    });

  const target = await send('Target.createTarget', { url: 'about:blank' });
  const attached = await send('Target.attachToTarget', { targetId: target.result?.targetId, flatten: true });
  const session = attached.result?.sessionId as string;
  for (const domain of ['Page', 'Runtime', 'Log']) await send(`${domain}.enable`, {}, session);
  const setViewport = async (size: Viewport): Promise<void> => {
    await send('Emulation.setDeviceMetricsOverride', { width: size.width, height: size.height, deviceScaleFactor: 1, mobile: size.width < 600 }, session);
  };
  await setViewport(viewport);
  if (options.javaScript === false) await send('Emulation.setScriptExecutionDisabled', { value: true }, session);
  await send('Page.navigate', { url }, session);
  await Promise.race([load, new Promise((_, reject) => setTimeout(() => reject(new Error(`${url} did not load in 20 s`)), 20_000))]);

  return {
    problems,
    async evaluate<T>(expression: string): Promise<T> {
      const answer = await send('Runtime.evaluate', { expression, returnByValue: true }, session);
      const result = answer.result as { result?: { value?: T }; exceptionDetails?: { text?: string } };
      if (result.exceptionDetails !== undefined) throw new Error(`${expression}: ${result.exceptionDetails.text}`);
      return result.result?.value as T;
    },
    setViewport,
    async emulateMedia(media: 'print' | 'screen'): Promise<void> {
      await send('Emulation.setEmulatedMedia', { media }, session);
    },
    async screenshot(clip?: { x: number; y: number; width: number; height: number }): Promise<Buffer> {
      const shot = await send(
        'Page.captureScreenshot',
        { format: 'png', captureBeyondViewport: true, ...(clip === undefined ? {} : { clip: { ...clip, scale: 1 } }) },
        session,
      );
      return Buffer.from(String(shot.result?.data), 'base64');
    },
    async close(): Promise<void> {
      socket.close();
      browser.kill('SIGKILL');
      await new Promise((resolve) => (browser.exitCode === null ? browser.once('exit', resolve) : resolve(undefined)));
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
