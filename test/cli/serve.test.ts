import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';

describe('safe-deploy serve --role', () => {
  it('refuses the durable roles this version does not have, and unknown roles, before starting anything', async () => {
    expect(await cli(['serve', '--role', 'worker'])).toEqual({
      status: 2,
      stdout: '',
      stderr: 'safe-deploy: serve --role worker: this version has no durable mode (web and worker replicas on Redis); run serve --role all, one replica\n',
    });
    expect((await cli(['serve', '--role', 'web'])).status).toBe(2);
    expect(await cli(['serve', '--role', 'both'])).toMatchObject({ status: 2, stderr: "safe-deploy: unknown --role 'both': use all\n" });
  });
});
