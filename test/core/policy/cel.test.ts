import { describe, expect, it } from 'vitest';
import { compileExpression, evaluateExpression, toCel } from '../../../src/core/policy/cel/expression.js';

const value = (expression: string, bindings: Record<string, unknown> = {}) => {
  const result = evaluateExpression(compileExpression(expression), Object.fromEntries(Object.entries(bindings).map(([k, v]) => [k, toCel(v as never)])), 10);
  if (!result.ok) throw new Error(result.error);
  return result.value;
};
const list = (v: unknown) => [...(v as Iterable<unknown>)];

describe('the CEL environment', () => {
  it('reads JSON integers as ints and keeps RE2 semantics for matches', () => {
    expect(value('object.replicas == 3 && type(object.replicas) == int', { object: { replicas: 3 } })).toBe(true);
    expect(value('object.ratio == 0.5', { object: { ratio: 0.5 } })).toBe(true);
    expect(value("'ABC'.matches('(?i)^abc$')")).toBe(true);
    expect(() => value("'aa'.matches('a(?=a)')")).toThrow();
    expect(value("'😀'.matches('^.$')")).toBe(true);
  });

  it('compares quantities exactly', () => {
    expect(value("quantity('1Gi') == quantity('1024Mi')")).toBe(true);
    expect(value("quantity('1.5').compareTo(quantity('1500m'))")).toBe(0n);
    expect(value("quantity('500m').isLessThan(quantity('1'))")).toBe(true);
    expect(value("quantity('2Gi').isGreaterThan(quantity('2G'))")).toBe(true);
    expect(value("quantity('1Gi').add(quantity('1Gi')) == quantity('2Gi')")).toBe(true);
    expect(value("quantity('3').sub(1).asInteger()")).toBe(2n);
    expect(value("quantity('1500m').isInteger()")).toBe(false);
    expect(value("quantity('1500m').asApproximateFloat()")).toBe(1.5);
    expect(value("quantity('-1').sign()")).toBe(-1n);
    expect(value("isQuantity('10Gi') && !isQuantity('ten')")).toBe(true);
    expect(() => value("quantity('ten')")).toThrow(/not a valid quantity/);
    expect(() => value("'10Gi'.isLessThan('20Gi')")).toThrow(/expected a quantity/);
  });

  it('finds with RE2-checked patterns', () => {
    expect(value("'abc123def45'.find('[0-9]+')")).toBe('123');
    expect(list(value("'abc123def45'.findAll('[0-9]+')"))).toEqual(['123', '45']);
    expect(list(value("'a1b2c3'.findAll('[0-9]', 2)"))).toEqual(['1', '2']);
    expect(value("'ABC'.find('(?i)b')")).toBe('B');
    expect(value("'abc'.find('x')")).toBe('');
    expect(() => value("'abc'.find('(?<=a)b')")).toThrow();
  });

  it('has the list, set and url helpers', () => {
    expect(value('[1, 2, 3].isSorted() && ![3, 1].isSorted()')).toBe(true);
    expect(value('[1, 2, 3].sum()')).toBe(6n);
    expect(value('[2.5, 1.0].sum()')).toBe(3.5);
    expect(value('[3, 1, 2].min() == 1 && [3, 1, 2].max() == 3')).toBe(true);
    expect(value("['a', 'b', 'a'].indexOf('a') == 0 && ['a', 'b', 'a'].lastIndexOf('a') == 2 && ['a'].indexOf('z') == -1")).toBe(true);
    expect(value('sets.contains([1, 2, 3], [1, 3]) && !sets.contains([1], [2])')).toBe(true);
    expect(value('sets.equivalent([1, 2, 2], [2, 1]) && sets.intersects([1, 2], [2, 9]) && !sets.intersects([1], [2])')).toBe(true);
    expect(value("url('https://example.com:8443/a/b?x=1&x=2').getHost()")).toBe('example.com:8443');
    expect(value("url('https://example.com:8443/a/b').getScheme() + ' ' + url('https://example.com:8443/a/b').getPort() + ' ' + url('https://example.com/a/b').getEscapedPath()")).toBe('https 8443 /a/b');
    expect(value("isURL('https://example.com') && !isURL('example.com')")).toBe(true);
    expect(value("'%s has %d replicas'.format(['web', 3])")).toBe('web has 3 replicas');
  });

  it('bounds the cost of nested comprehensions by the inputs', () => {
    const nested = compileExpression('object.items.all(a, object.items.all(b, object.items.all(c, true)))');
    expect(nested.depth).toBe(3);
    expect(evaluateExpression(nested, { object: toCel({ items: [1, 2] }) }, 2).ok).toBe(true);
    const refused = evaluateExpression(nested, { object: toCel({ items: [] }) }, 1000);
    expect(refused).toEqual({ ok: false, error: expect.stringMatching(/^estimated cost .* exceeds the budget/) });
  });
});
