import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';

describe('safe-deploy serve --role', () => {
  it('refuses web and worker replicas without REDIS_URL, and unknown roles, before starting anything', async () => {
    expect(await cli(['serve', '--role', 'worker'], { REDIS_URL: '' })).toEqual({
      status: 2,
      stdout: '',
      stderr: 'safe-deploy: serve --role worker needs REDIS_URL: web and worker replicas share their queue in Redis\n',
    });
    expect((await cli(['serve', '--role', 'web'], { REDIS_URL: '' })).status).toBe(2);
    expect(await cli(['serve', '--role', 'both'])).toMatchObject({ status: 2, stderr: "safe-deploy: unknown --role 'both': use web, worker or all\n" });
  });
});
