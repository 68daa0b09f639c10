// Blob contents through one long-lived `git cat-file --batch` per repository
// side, so reading hundreds of small files costs one process, not hundreds.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

interface Pending {
  oid: string;
  resolve: (data: Buffer) => void;
  reject: (error: Error) => void;
}

export class BlobReader {
  private process: ChildProcessWithoutNullStreams | null = null;
  private chunks: Buffer[] = [];
  private buffered = 0;
  private pending: Pending[] = [];
  /** Size of the blob whose header was read and whose content is awaited. */
  private size: number | null = null;

  constructor(private readonly repo: string) {}

  read(oid: string): Promise<Buffer> {
    const process = this.start();
    return new Promise((resolve, reject) => {
      this.pending.push({ oid, resolve, reject });
      process.stdin.write(`${oid}\n`);
    });
  }

  close(): void {
    this.process?.stdin.end();
    this.process = null;
  }

  private start(): ChildProcessWithoutNullStreams {
    if (this.process) return this.process;
    const child = spawn('git', ['-C', this.repo, 'cat-file', '--batch'], { stdio: 'pipe' });
    child.stdout.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
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
    while (this.pending.length > 0) {
      if (this.size === null) {
        const data = this.take(this.buffered);
        const newline = data.indexOf(10);
        this.put(data);
        if (newline === -1) return;
        const header = this.take(newline + 1).toString('utf8').trim().split(' ');
        if (header[1] === 'missing') {
          const request = this.pending.shift()!;
          request.reject(new Error(`blob ${request.oid} is missing`));
          continue;
        }
        this.size = Number(header[2]);
      }
      // The content is followed by a newline.
      if (this.buffered < this.size + 1) return;
      const content = this.take(this.size);
      this.take(1);
      this.size = null;
      this.pending.shift()!.resolve(content);
    }
  }

  /** Removes and returns the first `bytes` buffered bytes. */
  private take(bytes: number): Buffer {
    const data = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    const rest = data.subarray(bytes);
    this.chunks = rest.length ? [rest] : [];
    this.buffered = rest.length;
    return data.subarray(0, bytes);
  }

  /** Puts bytes back in front of the buffer. */
  private put(data: Buffer): void {
    this.chunks = data.length ? [data, ...this.chunks] : this.chunks;
    this.buffered += data.length;
  }
}
