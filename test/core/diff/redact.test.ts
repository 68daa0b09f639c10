import { describe, expect, it } from 'vitest';
import { LAST_APPLIED, REDACTED, REDACTED_CHANGED, redact, redactPair } from '../../../src/core/diff/redact.js';
import type { JsonObject, JsonValue } from '../../../src/core/resource.js';

const secret = (data: Record<string, string>, stringData?: Record<string, string>) => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 's' },
  data,
  ...(stringData ? { stringData } : {}),
});

describe('redaction', () => {
  it('hides every value, marks changed ones, keeps keys visible', () => {
    const [before, after] = redactPair(secret({ a: 'b2xk', same: 'eA==', gone: 'eQ==' }), secret({ a: 'bmV3', same: 'eA==', added: 'eg==' }));
    expect(before!.data).toEqual({ a: REDACTED, same: REDACTED, gone: REDACTED });
    expect(after!.data).toEqual({ a: REDACTED_CHANGED, same: REDACTED, added: REDACTED });
  });

  it('hides stringData too', () => {
    const out = redact(secret({}, { password: 'hunter2' }));
    expect(JSON.stringify(out)).not.toContain('hunter2');
    expect(out.stringData).toEqual({ password: REDACTED });
  });

  it('hides the last-applied-configuration annotation on any kind, not other annotations', () => {
    const cm = (applied: string) => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c', annotations: { [LAST_APPLIED]: applied, team: 'shop' } },
      data: { visible: 'yes' },
    });
    const [before, after] = redactPair(cm('{"data":{"k":"old-secret"}}'), cm('{"data":{"k":"new-secret"}}'));
    expect((before!.metadata as { annotations: object }).annotations).toEqual({ [LAST_APPLIED]: REDACTED, team: 'shop' });
    expect((after!.metadata as { annotations: object }).annotations).toEqual({ [LAST_APPLIED]: REDACTED_CHANGED, team: 'shop' });
    expect(after!.data).toEqual({ visible: 'yes' });
  });

  it('leaves ConfigMap data alone and does not modify its inputs', () => {
    const input = secret({ k: 'dmFsdWU=' });
    redact(input);
    expect(input.data.k).toBe('dmFsdWU=');
    expect(redact({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { k: 'v' } }).data).toEqual({ k: 'v' });
  });

  it('hides a data or stringData that is not a map whole, on either side', () => {
    const odd = (field: string, value: JsonValue): JsonObject => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, [field]: value });
    const [before, after] = redactPair(odd('stringData', { password: 'old' }), odd('stringData', 'password=hunter2'));
    expect(before!.stringData).toBe(REDACTED);
    expect(after!.stringData).toBe(REDACTED_CHANGED);
    expect(redact(odd('data', ['aHVudGVyMg==', 'eA=='])).data).toBe(REDACTED);
    expect(redactPair(odd('data', 'same'), odd('data', 'same'))[1]!.data).toBe(REDACTED);
  });

  it('only treats the core Secret kind as secret data', () => {
    const sealed = { apiVersion: 'bitnami.com/v1alpha1', kind: 'SealedSecret', metadata: { name: 's' }, spec: { encryptedData: { k: 'AgB' } } };
    expect(redact(sealed)).toEqual(sealed);
  });
});
