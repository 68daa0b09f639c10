// Hostile CRDs and custom resources against schema validation: the merge
// request writes both, so neither may stall the review nor choose the schema
// its own objects are judged by beyond what the API server would accept.
import { afterEach, describe, expect, it } from 'vitest';
import { customResourceFieldTree } from '../../src/core/schema/crd-schema.js';
import { ANY, unknownFields } from '../../src/core/schema/field-tree.js';
import { cli } from '../helpers/cli.js';
import { TestRepo } from '../helpers/git-repo.js';

let repo: TestRepo;
afterEach(() => repo?.dispose());

interface ReviewJson {
  verdict: string;
  findings: Array<{ rule: string; severity: string; name?: string; message: string; introduced: boolean }>;
  targets: Array<{ name: string; status: string; notes?: string[] }>;
}

/** A CRD of kind Widget in group example.com; `schema` is its v1 openAPIV3Schema as YAML flow. */
const crd = (schema: string, name = 'widgets.example.com', plural = 'widgets') => `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: ${name}}
spec:
  group: example.com
  scope: Namespaced
  names: {kind: Widget, plural: ${plural}}
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema: ${schema}
`;

const widget = (name: string, spec: string) => `apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: ${name}}\nspec: ${spec}\n`;

async function review(base: Record<string, string>, head: Record<string, string | null>): Promise<{ json: ReviewJson; seconds: number }> {
  repo = new TestRepo();
  const from = repo.commit(base);
  const to = repo.commit(head);
  const started = performance.now();
  const out = await cli(['review', '--repo', repo.dir, '--base', from, '--head', to, '--format', 'json']);
  const seconds = (performance.now() - started) / 1000;
  expect(out.status, out.stderr).not.toBe(2);
  return { json: JSON.parse(out.stdout) as ReviewJson, seconds };
}

const schemaMessages = (json: ReviewJson) => json.findings.filter((f) => f.rule === 'schema-invalid').map((f) => `${f.name}: ${f.message}`);

describe('hostile CRDs cannot stall the review', () => {
  it('a CEL rule whose find() pattern backtracks exponentially in a JavaScript RegExp runs in linear time', async () => {
    const rule = `{rule: "self.find('(a+)+$') == ''", message: no run of a at the end}`;
    const { json, seconds } = await review(
      { 'readme.md': 'x\n' },
      {
        'crds/crd.yaml': crd(`{type: object, properties: {spec: {type: object, properties: {name: {type: string, x-kubernetes-validations: [${rule}]}}}}}`),
        'apps/w.yaml': widget('w', `{name: "${'a'.repeat(40)}!"}`),
      },
    );
    expect(seconds).toBeLessThan(20);
    // RE2 semantics: no match, so the rule holds.
    expect(schemaMessages(json)).toEqual([]);
  }, 60_000);

  it('uniqueItems, which the API server refuses in a CRD as quadratic, is not checked on a list of 100,000 objects', async () => {
    const items = Array.from({ length: 100_000 }, (_, i) => `{n: ${i}}`).join(',');
    const { json, seconds } = await review(
      { 'readme.md': 'x\n' },
      {
        'crds/crd.yaml': crd('{type: object, properties: {spec: {type: object, properties: {list: {type: array, uniqueItems: true, items: {type: object, x-kubernetes-preserve-unknown-fields: true}}}}}}'),
        'apps/w.yaml': widget('w', `{list: [${items}, {n: 0}]}`),
      },
    );
    expect(seconds).toBeLessThan(20);
    expect(schemaMessages(json)).toEqual([]);
  }, 60_000);
});

describe('the merge request cannot choose the schema its custom resources are judged by', () => {
  const strict = '{type: object, properties: {spec: {type: object, properties: {size: {type: integer, maximum: 3}}}}}';
  const open = '{type: object, x-kubernetes-preserve-unknown-fields: true}';

  it('a second CRD for the same kind under another name, or a CRD not named <plural>.<group>, is refused by the API server', async () => {
    const { json } = await review(
      { 'crds/crd.yaml': crd(strict), 'apps/w.yaml': widget('w', '{size: 1}') },
      {
        'crds/decoy.yaml': crd(open, 'widgetz.example.com', 'widgetz'),
        'crds/misnamed.yaml': crd(open, 'anything', 'widgets'),
        'apps/w.yaml': widget('w', '{size: 99}'),
      },
    );
    expect(schemaMessages(json)).toEqual(['w: spec.size: Invalid value: 99: spec.size in body should be less than or equal to 3']);
    expect(json.verdict).toBe('fail');
  }, 60_000);
});

describe('the typo search of unknown fields is bounded', () => {
  it('2,000 unknown 500-character fields against 2,000 declared ones of the same length take no time, and are still reported', () => {
    const declared = Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`d${String(i).padStart(5, '0')}${'x'.repeat(494)}`, { type: 'string' }]));
    const tree = customResourceFieldTree({ type: 'object', properties: { spec: { type: 'object', properties: declared } } }, ANY);
    const spec = Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`u${String(i).padStart(5, '0')}${'y'.repeat(494)}`, 'v']));
    const started = performance.now();
    const found = unknownFields({ spec }, tree);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(found).toHaveLength(2000);
    // Past the budget a field may still be a typo: it is never taken for a field a newer schema declares.
    expect(found.at(-1)).toEqual({ path: `spec.u01999${'y'.repeat(494)}`, unsearched: true });
  });
});

describe('target notes quote the merge request', () => {
  it('a secret value that is also a kind name is scrubbed from the "Not validated" note', async () => {
    const secret = 'apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {token: Zqx7Gadget}\n';
    const gadget = 'apiVersion: example.com/v1\nkind: Zqx7Gadget\nmetadata: {name: g}\n';
    const { json } = await review({ 'readme.md': 'x\n' }, { 'apps/secret.yaml': secret, 'apps/gadget.yaml': gadget });
    const notes = json.targets.flatMap((t) => t.notes ?? []).filter((n) => n.startsWith('Not validated'));
    // Object identities are not free text and stay as they are; the note is.
    expect(notes).toEqual(['Not validated: example.com/v1 *** (its CustomResourceDefinition is in no render of this review)']);
  });
});
