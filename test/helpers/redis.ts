// A real redis-server of the test's own: a free port, a temporary directory, stopped after.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

export interface TestRedis {
  url: string;
  client(): Redis;
  /** Shuts the server down as a restart would (its data saved to disk): clients see it unreachable until up(). */
  down(): Promise<void>;
  /** Starts it again on the same port with the saved data. */
  up(): Promise<void>;
  stop(): Promise<void>;
}

export const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

/** Resolves once `url` answers PING. */
async function answering(url: string): Promise<void> {
  for (let i = 0; ; i++) {
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    try {
      await probe.connect();
      await probe.ping();
      probe.disconnect();
      return;
    } catch {
      probe.disconnect();
      if (i > 100) throw new Error('redis-server did not start');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

export async function startRedis(): Promise<TestRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'safe-deploy-redis-'));
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  const clients: Redis[] = [];
  let child: ChildProcess | null = null;
  const up = async () => {
    // No save points (tests write little); down() saves explicitly, and a restart loads dump.rdb from `dir`.
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    await answering(url);
  };
  const exited = (server: ChildProcess) => (server.exitCode !== null || server.signalCode !== null ? Promise.resolve() : new Promise((resolve) => server.once('exit', resolve)));
  await up();
  return {
    url,
    client() {
      const client = new Redis(url);
      clients.push(client);
      return client;
    },
    async down() {
      const running = child;
      if (!running) return;
      child = null;
      const admin = new Redis(url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
      // SHUTDOWN closes the connection instead of answering.
      await admin.shutdown('SAVE').catch(() => undefined);
      admin.disconnect();
      await exited(running);
    },
    up,
    async stop() {
      for (const client of clients) client.disconnect();
      const running = child;
      child = null;
      if (running) {
        running.kill('SIGKILL');
        await exited(running);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
