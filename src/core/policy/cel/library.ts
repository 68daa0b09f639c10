// The Kubernetes CEL library functions policies commonly use, on top of CEL's
// standard functions and the strings extension: quantities, regex find, list
// helpers, sets and URLs. Quantities and URLs travel as tagged strings (the
// evaluator has no opaque types without protobuf descriptors); their methods
// refuse untagged strings.
import { celFunc, celList, celMethod, CelScalar, isCelList, listType, type CelFunc, type CelList, type CelValue } from '@bufbuild/cel';
// The full RE2 port: @bufbuild/re2 has no matcher that says where a match lies.
import { RE2JS } from 're2js';
import { quantityNano } from '../../quantity.js';

const { STRING, INT, BOOL, DOUBLE, DYN } = CelScalar;
const LIST_DYN = listType(DYN);
const LIST_STRING = listType(STRING);

const QUANTITY_TAG = '\u0000quantity:';
const URL_TAG = '\u0000url:';

function toQuantity(text: string): string {
  const nano = quantityNano(text);
  if (nano === null) throw new Error(`quantity: ${JSON.stringify(text)} is not a valid quantity`);
  return `${QUANTITY_TAG}${nano}`;
}

function nanoOf(value: string): bigint {
  if (!value.startsWith(QUANTITY_TAG)) throw new Error('expected a quantity(); call quantity("…") first');
  return BigInt(value.slice(QUANTITY_TAG.length));
}

const NANO = 1_000_000_000n;

function compare(a: string, b: string): bigint {
  const [x, y] = [nanoOf(a), nanoOf(b)];
  return x < y ? -1n : x > y ? 1n : 0n;
}

function quantityFunctions(): CelFunc[] {
  return [
    celFunc('quantity', [STRING], STRING, toQuantity),
    celFunc('isQuantity', [STRING], BOOL, (s) => quantityNano(s) !== null),
    celMethod('isGreaterThan', STRING, [STRING], BOOL, function (other) {
      return compare(this, other) > 0n;
    }),
    celMethod('isLessThan', STRING, [STRING], BOOL, function (other) {
      return compare(this, other) < 0n;
    }),
    celMethod('compareTo', STRING, [STRING], INT, function (other) {
      return compare(this, other);
    }),
    celMethod('add', STRING, [STRING], STRING, function (other) {
      return `${QUANTITY_TAG}${nanoOf(this) + nanoOf(other)}`;
    }),
    celMethod('add', STRING, [INT], STRING, function (other) {
      return `${QUANTITY_TAG}${nanoOf(this) + other * NANO}`;
    }),
    celMethod('sub', STRING, [STRING], STRING, function (other) {
      return `${QUANTITY_TAG}${nanoOf(this) - nanoOf(other)}`;
    }),
    celMethod('sub', STRING, [INT], STRING, function (other) {
      return `${QUANTITY_TAG}${nanoOf(this) - other * NANO}`;
    }),
    celMethod('sign', STRING, [], INT, function () {
      const n = nanoOf(this);
      return n > 0n ? 1n : n < 0n ? -1n : 0n;
    }),
    celMethod('isInteger', STRING, [], BOOL, function () {
      return nanoOf(this) % NANO === 0n;
    }),
    celMethod('asInteger', STRING, [], INT, function () {
      const n = nanoOf(this);
      if (n % NANO !== 0n) throw new Error('asInteger: the quantity is not an integer');
      return n / NANO;
    }),
    celMethod('asApproximateFloat', STRING, [], DOUBLE, function () {
      return Number(nanoOf(this)) / 1e9;
    }),
  ];
}

/**
 * The matches of a pattern, leftmost first, on RE2 as the API server runs them:
 * linear time whatever the pattern (a JavaScript RegExp backtracks exponentially
 * on `(a+)+$`), and a pattern RE2 refuses (lookarounds, backreferences) throws.
 */
function matchesOf(text: string, pattern: string, limit: number): string[] {
  const matcher = RE2JS.compile(pattern).matcher(text);
  const found: string[] = [];
  while (found.length < limit && matcher.find()) found.push(matcher.group() ?? '');
  return found;
}

function regexFunctions(): CelFunc[] {
  return [
    celMethod('find', STRING, [STRING], STRING, function (pattern) {
      return matchesOf(this, pattern, 1)[0] ?? '';
    }),
    celMethod('findAll', STRING, [STRING], LIST_STRING, function (pattern) {
      return matchesOf(this, pattern, Infinity);
    }),
    celMethod('findAll', STRING, [STRING, INT], LIST_STRING, function (pattern, limit) {
      return matchesOf(this, pattern, limit < 0n ? Infinity : Number(limit));
    }),
  ];
}

function items(list: CelList): CelValue[] {
  return [...list];
}

function order(a: CelValue, b: CelValue): number {
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
  if ((typeof a === 'number' || typeof a === 'bigint') && (typeof b === 'number' || typeof b === 'bigint')) return Number(a) - Number(b);
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  throw new Error('no ordering between these list elements');
}

function same(a: CelValue, b: CelValue): boolean {
  if ((typeof a === 'bigint' || typeof a === 'number') && (typeof b === 'bigint' || typeof b === 'number')) return Number(a) === Number(b);
  if (isCelList(a) && isCelList(b)) return a.size === b.size && items(a).every((x, i) => same(x, items(b)[i]!));
  return a === b;
}

function listFunctions(): CelFunc[] {
  const extreme = (sign: number) =>
    function (this: CelList): CelValue {
      const all = items(this);
      if (!all.length) throw new Error('min/max of an empty list');
      return all.reduce((best, x) => (order(x, best) * sign > 0 ? x : best));
    };
  return [
    celMethod('isSorted', LIST_DYN, [], BOOL, function () {
      const all = items(this);
      return all.every((x, i) => i === 0 || order(all[i - 1]!, x) <= 0);
    }),
    celMethod('sum', LIST_DYN, [], DYN, function () {
      const all = items(this);
      if (all.every((x) => typeof x === 'bigint')) return all.reduce<bigint>((n, x) => n + (x as bigint), 0n);
      return all.reduce<number>((n, x) => n + Number(x), 0);
    }),
    celMethod('min', LIST_DYN, [], DYN, extreme(-1)),
    celMethod('max', LIST_DYN, [], DYN, extreme(1)),
    celMethod('indexOf', LIST_DYN, [DYN], INT, function (value) {
      return BigInt(items(this).findIndex((x) => same(x, value)));
    }),
    celMethod('lastIndexOf', LIST_DYN, [DYN], INT, function (value) {
      const all = items(this);
      for (let i = all.length - 1; i >= 0; i--) if (same(all[i]!, value)) return BigInt(i);
      return -1n;
    }),
  ];
}

function setFunctions(): CelFunc[] {
  const contains = (a: CelList, b: CelList) => items(b).every((x) => items(a).some((y) => same(x, y)));
  return [
    celFunc('sets.contains', [LIST_DYN, LIST_DYN], BOOL, contains),
    celFunc('sets.equivalent', [LIST_DYN, LIST_DYN], BOOL, (a, b) => contains(a, b) && contains(b, a)),
    celFunc('sets.intersects', [LIST_DYN, LIST_DYN], BOOL, (a, b) => items(a).some((x) => items(b).some((y) => same(x, y)))),
  ];
}

function parseUrl(text: string): URL {
  try {
    const url = new URL(text);
    if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text) && !text.startsWith('/')) throw new Error('not absolute');
    return url;
  } catch {
    throw new Error(`url: ${JSON.stringify(text)} is not an absolute URI`);
  }
}

function urlOf(value: string): URL {
  if (!value.startsWith(URL_TAG)) throw new Error('expected a url(); call url("…") first');
  return new URL(value.slice(URL_TAG.length));
}

function urlFunctions(): CelFunc[] {
  const getter = (name: string, read: (u: URL) => string) =>
    celMethod(name, STRING, [], STRING, function () {
      return read(urlOf(this));
    });
  return [
    celFunc('url', [STRING], STRING, (s) => `${URL_TAG}${parseUrl(s).href}`),
    celFunc('isURL', [STRING], BOOL, (s) => {
      try {
        parseUrl(s);
        return true;
      } catch {
        return false;
      }
    }),
    getter('getScheme', (u) => u.protocol.replace(/:$/, '')),
    getter('getHost', (u) => u.host),
    getter('getHostname', (u) => u.hostname.replace(/^\[|\]$/g, '')),
    getter('getPort', (u) => u.port),
    getter('getEscapedPath', (u) => u.pathname),
    celMethod('getQuery', STRING, [], DYN, function () {
      const query = new Map<string, CelList>();
      for (const key of new Set(urlOf(this).searchParams.keys())) query.set(key, celList(urlOf(this).searchParams.getAll(key)));
      return query;
    }),
  ];
}

/** Every extension function of the Kubernetes CEL environment that safe-deploy provides. */
export function kubernetesLibrary(): CelFunc[] {
  return [...quantityFunctions(), ...regexFunctions(), ...listFunctions(), ...setFunctions(), ...urlFunctions()];
}
