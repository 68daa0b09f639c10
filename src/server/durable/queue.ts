// Durable mode's queue (BullMQ on Redis): web replicas record each verified delivery
// once; workers take them, a dead worker's job is taken again (stalled-job recovery),
// and a job that fails is retried with backoff.
import { Queue, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { KEY_PREFIX, takeGeneration, type RecordedGeneration } from './scheduler.js';

export const QUEUE_NAME = 'safe-deploy-deliveries';
/** A delivery id is remembered this long: GitHub and GitLab redeliver within days at most. */
const DELIVERY_SECONDS = 7 * 24 * 3600;

/** A verified webhook delivery, as the platform sent it. */
export interface RecordedDelivery {
  platform: 'github' | 'gitlab';
  delivery: string;
  /** GitHub's event name (pull_request…) or GitLab's X-Gitlab-Event. */
  event: string;
  payload: unknown;
  /** A review's merge request and generation: taken when recorded, so that the newest push wins at once across replicas. */
  supersedes?: RecordedGeneration;
  /** Queued again by the sweeper: its first job vanished while it ran. */
  swept?: true;
}

/** Deliveries a worker runs now, by job id: what the sweeper queues again when their job is gone. */
const IN_FLIGHT = `${KEY_PREFIX}in-flight`;
/** Job states in which a delivery is still on its way. */
const ALIVE = new Set(['active', 'waiting', 'delayed', 'prioritized', 'waiting-children']);

export class DeliveryQueue {
  readonly queue: Queue<RecordedDelivery>;

  constructor(private readonly redis: Redis) {
    this.queue = new Queue<RecordedDelivery>(QUEUE_NAME, { connection: redis });
  }

  /**
   * Records a delivery once: 'duplicate' for one recorded before (by any replica). A review of
   * merge request `key` becomes its newest at once, superseding older ones queued or running.
   * Throws when Redis cannot take it.
   */
  async record(delivery: RecordedDelivery, key?: string): Promise<'queued' | 'duplicate'> {
    const seen = `${KEY_PREFIX}delivery:${delivery.platform}:${delivery.delivery}`;
    if ((await this.redis.set(seen, '1', 'EX', DELIVERY_SECONDS, 'NX')) !== 'OK') return 'duplicate';
    try {
      const job = key ? { ...delivery, supersedes: { key, generation: await takeGeneration(this.redis, key) } } : delivery;
      await this.queue.add(delivery.event, job, {
        // BullMQ ids may not hold ":".
        jobId: `${delivery.platform}-${delivery.delivery}`.replace(/:/g, '_'),
        attempts: 3,
        backoff: { type: 'exponential', delay: 2000 },
        removeOnComplete: { age: 24 * 3600, count: 10_000 },
        removeOnFail: { age: DELIVERY_SECONDS },
      });
    } catch (error) {
      // Not queued: the platform's redelivery must be taken.
      await this.redis.del(seen).catch(() => undefined);
      throw error;
    }
    return 'queued';
  }

  close(): Promise<void> {
    return this.queue.close();
  }
}

/** What a worker reports of its jobs. */
export interface WorkerObserver {
  taken(waitSeconds: number, attempt: number): void;
  done(): void;
  stalled(): void;
}

/** The worker: `handle` runs each delivery to its end; `concurrency` at once in this process. */
export function deliveryWorker(redis: Redis, concurrency: number, handle: (delivery: RecordedDelivery, resumed: boolean) => Promise<void>, observer?: WorkerObserver): Worker<RecordedDelivery> {
  const run = async (job: Job<RecordedDelivery>) => {
    observer?.taken(Math.max(0, (Date.now() - job.timestamp) / 1000), job.attemptsMade + 1);
    await redis.hset(IN_FLIGHT, job.id!, JSON.stringify(job.data));
    try {
      // Begun before by a worker that died (or swept after its job vanished).
      await handle(job.data, job.attemptsStarted > 1 || job.data.swept === true);
    } finally {
      observer?.done();
      await redis.hdel(IN_FLIGHT, job.id!);
    }
  };
  const worker = new Worker<RecordedDelivery>(QUEUE_NAME, run, {
    connection: redis.duplicate({ maxRetriesPerRequest: null }),
    concurrency,
    // A review can take minutes; the lock is renewed while it runs, and a dead worker's job is taken again after it lapses.
    lockDuration: 20_000,
    stalledInterval: 10_000,
    maxStalledCount: 2,
  });
  if (observer) worker.on('stalled', () => observer.stalled());
  return worker;
}

/**
 * Queues again each delivery a worker was running when its job vanished (Redis lost it)
 * or ran out of attempts while its worker died mid-review (the status then still says "in
 * progress"). Once only: a delivery swept before is given up and logged.
 */
export async function sweep(queue: DeliveryQueue, redis: Redis, log: (message: string, delivery: string) => void): Promise<number> {
  let queued = 0;
  for (const [jobId, text] of Object.entries(await redis.hgetall(IN_FLIGHT))) {
    const state = await queue.queue.getJobState(jobId).catch(() => 'unknown');
    if (ALIVE.has(state)) continue;
    // A vanished entry's worker may still be finishing: only the one who removes it sweeps it.
    if ((await redis.hdel(IN_FLIGHT, jobId)) !== 1) continue;
    const delivery = JSON.parse(text) as RecordedDelivery;
    if (delivery.swept) {
      log('a delivery interrupted twice is given up; /safe-deploy rerun reviews it again', delivery.delivery);
      continue;
    }
    await queue.queue.add(delivery.event, { ...delivery, swept: true }, { jobId: `${jobId}-swept`, attempts: 3, backoff: { type: 'exponential', delay: 2000 }, removeOnComplete: { age: 24 * 3600 } });
    queued++;
  }
  return queued;
}
