import type { AddressInfo } from 'node:net';
import { rmSync } from 'node:fs';
import type { SafeDeployServer } from '../../src/server/server.js';

export interface TestServer extends SafeDeployServer {
  url: string;
  /** The cache directory the server owns (removed on close), when it made its own. */
  cacheDir?: string;
  close(): Promise<void>;
}

/** Listens on a free loopback port; close() waits for the reviews, stops, and removes the cache it owns. */
export async function listening(server: SafeDeployServer, ownedCacheDir?: string): Promise<TestServer> {
  await new Promise<void>((resolve) => server.http.listen(0, '127.0.0.1', resolve));
  const { port } = server.http.address() as AddressInfo;
  return {
    ...server,
    url: `http://127.0.0.1:${port}`,
    ...(ownedCacheDir ? { cacheDir: ownedCacheDir } : {}),
    close: async () => {
      await server.scheduler.idle();
      await new Promise((resolve) => server.http.close(resolve));
      server.reviewer.close();
      await server.stop();
      if (ownedCacheDir) rmSync(ownedCacheDir, { recursive: true, force: true });
    },
  };
}
