import { describe, expect, it } from 'vitest';
import { exitStatus } from '../../src/cli/exit.js';
import { apiSettings } from '../../src/platforms/api.js';

describe('exit status and API settings', () => {
  it('maps verdicts and review outcomes to DESIGN §4 exit statuses', () => {
    expect(['pass', 'fail', 'no-changes', 'superseded', 'error'].map((r) => exitStatus(r as Parameters<typeof exitStatus>[0]))).toEqual([0, 1, 0, 0, 2]);
  });

  it('reads the API timeout from the environment, 30 s by default', () => {
    expect(apiSettings({})).toEqual({ timeoutMs: 30_000 });
    expect(apiSettings({ SAFE_DEPLOY_API_TIMEOUT_SECONDS: '5' })).toEqual({ timeoutMs: 5_000 });
    expect(apiSettings({ SAFE_DEPLOY_API_TIMEOUT_SECONDS: 'soon' })).toEqual({ timeoutMs: 30_000 });
  });
});
