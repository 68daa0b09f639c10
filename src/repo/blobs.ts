// Blob contents through one long-lived `git cat-file --batch` per repository
// side, so reading hundreds of small files costs one process, not hundreds.
// Requests made together are written together; a blob over the caller's size
// limit is skipped as it streams by, never held in memory.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

export interface Blob {
  size: number;
  /** null when the blob is larger than the limit asked for. */
  data: Buffer | null;
}

interface Pending {
  oid: string;
  maxBytes: number;
  resolve: (blob: Blob) => void;
  reject: (error: Error) => void;
}

export class BlobReader {
  private process: ChildProcessWithoutNullStreams | null = null;
  private buffer: Buffer = Buffer.alloc(0);
  private pending: Pending[] = [];
  private outbox: string[] = [];
  /** The blob whose header was read: its size, and how many of its bytes (plus the newline after it) are still to come. */
  private current: { size: number; remaining: number; keep: boolean; parts: Buffer[] } | null = null;

  constructor(private readonly repo: string) {}

  read(oid: string, maxBytes = Number.MAX_SAFE_INTEGER): Promise<Blob> {
    // A reader closed with its revision stays closed: a late read must not start a process nobody ends.
    if (this.closed) return Promise.reject(new Error('the revision was closed'));
    const process = this.start();
    return new Promise((resolve, reject) => {
      this.pending.push({ oid, maxBytes, resolve, reject });
      // Requests made together go out in one write: a write per blob cost more than the read.
      if (this.outbox.push(oid) === 1) {
        queueMicrotask(() => {
          process.stdin.write(`${this.outbox.join('\n')}\n`);
          this.outbox = [];
        });
      }
    });
  }

  private closed = false;

  close(): void {
    this.closed = true;
    this.process?.stdin.end();
    this.process = null;
  }

  private start(): ChildProcessWithoutNullStreams {
    if (this.process) return this.process;
    const child = spawn('git', ['-C', this.repo, 'cat-file', '--batch'], { stdio: 'pipe' });
    child.stdout.on('data', (chunk: Buffer) => {
      this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
      this.drain();
    });
    const fail = (error: Error) => {
      for (const p of this.pending.splice(0)) p.reject(error);
      if (this.process === child) this.process = null;
    };
    child.on('error', fail);
    child.on('exit', (code) => fail(new Error(`git cat-file exited with ${code}`)));
    child.stdin.on('error', () => {}); // reported through 'exit'
    this.process = child;
    return child;
  }

  private drain(): void {
    let offset = 0;
    while (this.pending.length > 0) {
      if (!this.current) {
        const newline = this.buffer.indexOf(10, offset);
        if (newline === -1) break;
        const header = this.buffer.toString('utf8', offset, newline).split(' ');
        offset = newline + 1;
        const request = this.pending[0]!;
        if (header[1] === 'missing') {
          this.pending.shift();
          request.reject(new Error(`blob ${request.oid} is missing`));
          continue;
        }
        const size = Number(header[2]);
        this.current = { size, remaining: size + 1, keep: size <= request.maxBytes, parts: [] };
      }
      const available = Math.min(this.buffer.length - offset, this.current.remaining);
      if (this.current.keep && available > 0) this.current.parts.push(this.buffer.subarray(offset, offset + available));
      offset += available;
      this.current.remaining -= available;
      if (this.current.remaining > 0) break;
      const { size, keep, parts } = this.current;
      this.current = null;
      // The last byte is the newline git writes after the content.
      const data = keep ? Buffer.concat(parts).subarray(0, size) : null;
      this.pending.shift()!.resolve({ size, data });
    }
    this.buffer = offset >= this.buffer.length ? Buffer.alloc(0) : Buffer.from(this.buffer.subarray(offset));
  }
}
