import { describe, expect, it } from 'vitest';
import { withoutSchemaValues } from '../../src/render/schema-errors.js';

// Helm 4's schema errors as the sandbox joins its lines, written out by hand.
const HEADER = "helm template web failed: Error: values don't meet the specifications of the schema(s) in the following chart(s): · web: · ";

describe('Helm schema errors', () => {
  it('keep each path and constraint, never a rejected value', () => {
    const error = `${HEADER}- at '/password': 'hunter2' does not match pattern '^[a-z]+$' · - at '/pin': maximum: got 8.6×10¹⁰, want 9,999 · - at '/email': 'me@example.com' is not valid email: missing domain · - at '/obj': map[token:abc] is not valid json-pointer`;
    expect(withoutSchemaValues(error)).toBe(
      `${HEADER}- at '/password': does not match pattern '^[a-z]+$' · - at '/pin': maximum: want 9,999 · - at '/email': does not meet the schema · - at '/obj': does not meet the schema`,
    );
  });

  it('drop every part of a value that holds the line separator or an entry of its own', () => {
    const error = `${HEADER}- at '/password': 'hunter2 · - at \\'/y\\': got string, want integer' does not match pattern '^[a-z]+$'`;
    expect(withoutSchemaValues(error)).toBe(`${HEADER}- at '/password': does not meet the schema`);
  });

  it('keep messages that repeat no value, and chart labels', () => {
    const error = `${HEADER}- at '': missing property 'need' · - at '/level': value must be one of 'a', 'b' · - at '': additional properties 'extra' not allowed · - at '/n': got string, want integer · sub: · - at '/token': minLength: got 13, want 50`;
    expect(withoutSchemaValues(error)).toBe(error.replace('minLength: got 13, want 50', 'minLength: want 50'));
  });

  it('leave other errors alone', () => {
    const error = 'helm template web failed: Error: template: web/templates/a.yaml:3:4: executing "web/templates/a.yaml" at <.Values.x>: nil pointer';
    expect(withoutSchemaValues(error)).toBe(error);
  });
});
