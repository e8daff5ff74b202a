// Serves a baked copy of the site (tools/bake-copy.mjs, tools/demo-variant.mjs) on a free
// port of 127.0.0.1 for one describe block; stopped by the PID it was started with.
import { expect } from './fixtures';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '../..');

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => done(port));
    });
    probe.on('error', fail);
  });
}

export type Served = { base: string; stop: () => void };

/**
 * `cacheSeconds`: the `Cache-Control: max-age` the server sends (GitHub Pages sends 600);
 * by default none may be stored (`no-store`), so every test sees the files as they are.
 */
export async function serveCopy(dir: string, { cacheSeconds }: { cacheSeconds?: number } = {}): Promise<Served> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const server: ChildProcess = spawn(
    join(ROOT, 'end2end/node_modules/.bin/http-server'),
    [dir, '-a', '127.0.0.1', '-p', String(port), '-s', `-c${cacheSeconds ?? -1}`],
    { stdio: 'ignore' },
  );
  await expect.poll(() => fetch(`${base}/`).then((r) => r.status, () => 0), { timeout: 10_000 }).toBe(200);
  return { base, stop: () => void (server.pid && process.kill(server.pid)) };
}
