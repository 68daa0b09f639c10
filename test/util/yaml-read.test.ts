import { describe, expect, it } from 'vitest';
import { RenderError } from '../../src/errors.js';
import { parseYamlDocuments } from '../../src/util/yaml-documents.js';
import { IN_THREAD_CHARS, readYaml, readYamlFile } from '../../src/util/yaml-read.js';

const LAST = `---
# Source: chart/templates/list.yaml
apiVersion: v1
kind: List
items:
  - {apiVersion: v1, kind: ConfigMap, metadata: {name: one}, data: {mode: 0755, enabled: yes, on: 1, bytes: !!binary aGVsbG8=}}
  - apiVersion: v1
    kind: ConfigMap
    metadata: {name: two}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: dup, name: again}
`;

describe('parseYamlDocuments', () => {
  it('reads each document with its line, comment, item lines and first error, as Kubernetes reads YAML 1.1', () => {
    expect(parseYamlDocuments(`a: 1\n${LAST}`, { kubernetes: true })).toEqual([
      { comment: '', line: 1, value: { a: 1 } },
      {
        comment: ' Source: chart/templates/list.yaml',
        line: 4,
        itemLines: [7, 8],
        value: {
          apiVersion: 'v1',
          kind: 'List',
          items: [
            { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'one' }, data: { mode: 493, enabled: true, true: 1, bytes: 'hello' } },
            { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'two' } },
          ],
        },
      },
      { comment: '', line: 12, error: { message: 'Map keys must be unique', line: 14, column: 23 } },
    ]);
  });

  it('reads YAML 1.2 by default, one document with single', () => {
    expect(parseYamlDocuments('mode: 0755\non: yes\n')).toEqual([{ comment: '', line: 1, value: { mode: 755, on: 'yes' } }]);
    expect(parseYamlDocuments('a: 1\n---\nb: 2\n', { single: true })).toEqual([{ comment: '', error: { message: 'a second YAML document where one is expected', line: 2 } }]);
    expect(parseYamlDocuments('', { single: true })).toEqual([{ comment: '', value: null }]);
  });
});

describe('readYaml', () => {
  it('parses a large text in a worker to exactly what the calling thread makes of it', async () => {
    const padding = Array.from({ length: 4000 }, (_, i) => `---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c${i}}\ndata: {n: "${i}"}\n`).join('');
    const text = `${padding}${LAST}`;
    expect(text.length).toBeGreaterThan(IN_THREAD_CHARS);
    const inWorker = await readYaml(text, 'big.yaml', { kubernetes: true });
    expect(inWorker).toEqual(parseYamlDocuments(text, { kubernetes: true }));
    expect(inWorker).toHaveLength(4002);
    expect(inWorker[4000]).toMatchObject({ line: 20003, itemLines: [20006, 20007], comment: ' Source: chart/templates/list.yaml' });
    expect(inWorker[4001]).toEqual({ comment: '', line: 20011, error: { message: 'Map keys must be unique', line: 20013, column: 23 } });
  });

  it('reads a configuration file as one document, or names the file and line', async () => {
    expect(await readYamlFile('rules: {a: error}\n', '.safe-deploy.yml')).toEqual({ rules: { a: 'error' } });
    const error = await readYamlFile('a: [1\n', 'Chart.yaml').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RenderError);
    expect((error as RenderError).message).toBe('Chart.yaml:2: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]');
  });
});
