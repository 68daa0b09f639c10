// Durable mode's parts against a real redis-server: what two replicas share.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DeliveryQueue, deliveryWorker, sweep, type RecordedDelivery } from '../../src/server/durable/queue.js';
import { RedisScheduler } from '../../src/server/durable/scheduler.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';

let redis: TestRedis;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(() => redis.stop());
beforeEach(async () => {
  await redis.client().flushall();
});

const connection = () => redis.client().duplicate({ maxRetriesPerRequest: null });
const delivery = (id: string): RecordedDelivery => ({ platform: 'github', delivery: id, event: 'pull_request', payload: { action: 'opened' } });

describe('the delivery queue', () => {
  it('records a delivery once, whichever web replica takes it', async () => {
    const [a, b] = [new DeliveryQueue(connection()), new DeliveryQueue(connection())];
    expect(await Promise.all([a.record(delivery('d-1')), b.record(delivery('d-1'))])).toEqual(expect.arrayContaining(['queued', 'duplicate']));
    expect(await b.record(delivery('d-1'))).toBe('duplicate');
    expect(await a.record(delivery('d-2'))).toBe('queued');
    expect((await a.queue.getJobCounts('waiting')).waiting).toBe(2);
    await Promise.all([a.close(), b.close()]);
  });

  it('a worker takes each delivery once; a failed one is taken again', async () => {
    const queue = new DeliveryQueue(connection());
    const seen: string[] = [];
    let failOnce = true;
    const worker = deliveryWorker(connection(), 2, async (d) => {
      seen.push(d.delivery);
      if (d.delivery === 'flaky' && failOnce) {
        failOnce = false;
        throw new Error('GitHub was down');
      }
    });
    for (const id of ['a', 'b', 'flaky']) await queue.record(delivery(id));
    for (let i = 0; i < 200 && ((await queue.queue.getJobCounts('completed')).completed ?? 0) < 3; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(seen.sort()).toEqual(['a', 'b', 'flaky', 'flaky']);
    await worker.close();
    await queue.close();
  });
});

describe('the sweeper', () => {
  it('queues again, once, a delivery whose job vanished while a worker ran it', async () => {
    const client = connection();
    const queue = new DeliveryQueue(client);
    // A worker was reviewing d-9 when Redis lost the job; d-8's job still waits.
    await queue.record(delivery('d-8'));
    await client.hset('safe-deploy:in-flight', 'github-d-9', JSON.stringify(delivery('d-9')), 'github-d-8', JSON.stringify(delivery('d-8')));
    const given: string[] = [];
    expect(await sweep(queue, client, (_, d) => given.push(d))).toBe(1);
    const again = await queue.queue.getJob('github-d-9-swept');
    expect(again?.data).toEqual({ ...delivery('d-9'), swept: true });
    expect(await client.hkeys('safe-deploy:in-flight')).toEqual(['github-d-8']);
    // Interrupted a second time: given up, with a line in the log.
    await client.hset('safe-deploy:in-flight', 'github-d-9-swept', JSON.stringify({ ...delivery('d-9'), swept: true }));
    await again!.remove();
    expect(await sweep(queue, client, (_, d) => given.push(d))).toBe(0);
    expect(given).toEqual(['d-9']);
    await queue.close();
  });
});

describe('the scheduler across workers', () => {
  it('lets the newest push of a merge request win, wherever it runs', async () => {
    const [one, two] = [new RedisScheduler(connection()), new RedisScheduler(connection())];
    const older = one.begin('acme/gitops#1');
    expect(await older.isCurrent()).toBe(true);
    const newer = two.begin('acme/gitops#1');
    const other = two.begin('acme/gitops#2');
    // Asked in this order: the newer generation is taken before the older review asks again.
    expect([await newer.isCurrent(), await other.isCurrent(), await older.isCurrent()]).toEqual([true, true, false]);
    expect(await older.writeIfCurrent(async () => undefined)).toBe(false);
    expect(await newer.writeIfCurrent(async () => undefined)).toBe(true);
  });

  it('a push recorded by a web replica supersedes the running review at once, before any worker takes it', async () => {
    const queue = new DeliveryQueue(connection());
    const [worker, other] = [new RedisScheduler(connection()), new RedisScheduler(connection())];
    await queue.record(delivery('push-1'), 'acme/gitops#4');
    const [first] = await queue.queue.getJobs(['waiting']);
    expect(first!.data.supersedes).toEqual({ key: 'acme/gitops#4', generation: '1' });
    // The worker runs the first push with the generation it was recorded with.
    let running: ReturnType<RedisScheduler['begin']> | undefined;
    await worker.run(async () => (running = worker.begin('acme/gitops#4')), first!.data.supersedes);
    expect(await running!.isCurrent()).toBe(true);
    // Another merge request's review, or a re-run begun on a worker, takes its own generation.
    await other.run(async () => expect(await other.begin('acme/gitops#5').isCurrent()).toBe(true), first!.data.supersedes);
    expect(await running!.isCurrent()).toBe(true);
    // The second push is only recorded: the running review is already not current and cannot write.
    await queue.record(delivery('push-2'), 'acme/gitops#4');
    expect(await running!.isCurrent()).toBe(false);
    expect(await running!.writeIfCurrent(async () => undefined)).toBe(false);
    // A redelivery of the second push takes no generation.
    expect(await queue.record(delivery('push-2'), 'acme/gitops#4')).toBe('duplicate');
    const second = (await queue.queue.getJobs(['waiting'])).find((job) => job.data.delivery === 'push-2');
    expect(second!.data.supersedes).toEqual({ key: 'acme/gitops#4', generation: '2' });
    await queue.close();
  });

  it('writes of one merge request never overlap, across workers', async () => {
    const schedulers = [new RedisScheduler(connection()), new RedisScheduler(connection())];
    const log: string[] = [];
    const ticket = schedulers[0]!.begin('acme/gitops#3');
    const write = (name: string) => async () => {
      log.push(`${name} start`);
      await new Promise((resolve) => setTimeout(resolve, 100));
      log.push(`${name} end`);
    };
    // The same ticket's two writes from two places: the lock in Redis puts one after the other.
    await Promise.all([ticket.writeIfCurrent(write('a')), ticket.writeIfCurrent(write('b'))]);
    expect(log.map((l) => l.split(' ')[1])).toEqual(['start', 'end', 'start', 'end']);
  });

  it("runs a merge request's commands one at a time across workers, and other merge requests' beside them", async () => {
    const [one, two] = [new RedisScheduler(connection()), new RedisScheduler(connection())];
    const log: string[] = [];
    const command = (name: string) => async () => {
      log.push(`${name} start`);
      await new Promise((resolve) => setTimeout(resolve, 100));
      log.push(`${name} end`);
    };
    await Promise.all([one.serially('acme/gitops#4', command('a')), two.serially('acme/gitops#4', command('b')), two.serially('acme/gitops#5', command('other'))]);
    const ours = log.filter((l) => !l.startsWith('other'));
    expect(ours.map((l) => l.split(' ')[1])).toEqual(['start', 'end', 'start', 'end']);
    expect(log.indexOf('other start')).toBeLessThan(log.lastIndexOf('a end') + log.lastIndexOf('b end'));
  });

  it('waits for every event a delivery dispatched', async () => {
    const scheduler = new RedisScheduler(connection());
    let finished = false;
    await scheduler.run(async () => {
      scheduler.submit(async () => {
        await new Promise((resolve) => setTimeout(resolve, 100));
        finished = true;
      });
    });
    expect(finished).toBe(true);
  });
});

