// Request bodies are read here, once, for every route, before any handler
// parses them: bytes are counted as they arrive, so a chunked body (which has no
// Content-Length to check up front) is refused as soon as it passes the limit,
// never buffered whole.
import type { IncomingMessage, ServerResponse } from 'node:http';

/** How long a connection whose body was refused stays open, so that the client can read the 413. */
const LINGER_MS = 2000;

function tooLarge(req: IncomingMessage, res: ServerResponse): void {
  if (!res.headersSent) res.writeHead(413, { 'content-type': 'text/plain' }).end('payload too large\n');
  // Closing at once would reset the connection under a client still sending, which then never
  // reads the answer; Node stops reading a request whose response is done, so waiting costs nothing.
  const cut = setTimeout(() => req.destroy(), LINGER_MS).unref();
  req.once('end', () => clearTimeout(cut));
  req.once('close', () => clearTimeout(cut));
}

/**
 * The whole body of `req`, or null when it is over `limit` bytes or the client
 * went away; for an oversized body, 413 has been answered and the connection is closing.
 */
export function readCappedBody(req: IncomingMessage, res: ServerResponse, limit: number): Promise<Buffer | null> {
  if (Number(req.headers['content-length'] ?? 0) > limit) {
    tooLarge(req, res);
    return Promise.resolve(null);
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = () => {
      req.removeListener('data', onData);
      resolve(null);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        chunks.length = 0;
        stop();
        tooLarge(req, res);
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', stop);
    req.once('close', () => {
      if (!req.complete) stop();
    });
  });
}
