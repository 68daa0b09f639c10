// Strict nock for a test file: no outside network, and a test fails on a
// request nothing answers or on an interceptor it declared and never used.
// The stateful platform fakes keep their routes (persisted) out of that list
// and are checked through the calls they record instead.
import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';

/** Interceptors a stateful fake keeps for the whole test (they may go unused: the fake's call list says what happened). */
const bookkeeping = new Set<string>();

/** Registers a fake's persisted route so the unused-interceptor check leaves it alone. */
export function keep(scope: nock.Scope): nock.Scope {
  for (const mock of scope.pendingMocks()) bookkeeping.add(mock);
  return scope;
}

export function strictNock(options: { loopback?: boolean } = {}): void {
  let unmatched: string[] = [];
  const noMatch = (request: { method?: string; path?: string; options?: { host?: string }; host?: string }) => {
    const host = request.options?.host ?? request.host ?? '';
    // Loopback requests go to the test's own server when it is allowed.
    if (options.loopback && host.startsWith('127.0.0.1')) return;
    unmatched.push(`${request.method ?? '?'} ${host}${request.path ?? ''}`);
  };
  beforeAll(() => {
    nock.disableNetConnect();
    if (options.loopback) nock.enableNetConnect('127.0.0.1');
    nock.emitter.on('no match', noMatch);
  });
  afterAll(() => {
    nock.emitter.removeListener('no match', noMatch);
    nock.enableNetConnect();
  });
  beforeEach(() => {
    unmatched = [];
  });
  afterEach(() => {
    const unused = nock.pendingMocks().filter((mock) => !bookkeeping.has(mock));
    nock.cleanAll();
    bookkeeping.clear();
    expect(unmatched, 'requests no interceptor answered').toEqual([]);
    expect(unused, 'interceptors the test declared and never used').toEqual([]);
  });
}
