import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { emitYaml } from '../../../src/core/diff/yaml-emit.js';
import { toYaml } from '../../../src/core/diff/text.js';

const library = (o: object) => stringify(o, { lineWidth: 0, blockQuote: 'literal', aliasDuplicateObjects: false });

const samples: object[] = [
  { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', labels: { 'app.kubernetes.io/name': 'web' }, annotations: {} }, spec: { replicas: 3, paused: false, progressDeadlineSeconds: null } },
  { spec: { containers: [{ name: 'web', image: 'nginx:1.25', args: ['--port', '8080', '-v'], env: [{ name: 'A', value: '' }], ports: [{ containerPort: 80 }] }], volumes: [] } },
  { data: { 'nginx.conf': 'server {\n  listen 80;\n}\n', trailing: 'no newline\nat end', many: 'a\n\n\n', leading: '  indented first\nline\n', blank: 'a\n\nb\n', tab: 'a\tb\nc\n', control: 'bell\u0007\nx' } },
  { strings: ['true', 'yes', 'no', 'on', 'null', '~', '123', '0x1F', '1e3', '2024-01-01', '*** (changed)', '***', '#comment', 'a: b', '- x', '', ' padded ', '@at', '`tick`', "it's", 'say "hi"', 'é', '😀', '010', '.inf', 'key: [x]'] },
  { numbers: [0, -1, 1.5, 1e21, 0.1, 1234567890123] },
  { nested: [[1, 2], [], [{}], { a: [{ b: { c: [1] } }] }], 'weird key': 1, 'true': 'x', '123': 'y', '': 'empty' },
  {},
  { list: [{ name: 'multi', script: '#!/bin/sh\necho hi\n' }] },
];

describe('emitYaml', () => {
  for (const [i, sample] of samples.entries()) {
    it(`writes sample ${i} exactly as the yaml library does`, () => {
      expect(emitYaml(sample as never)).toBe(library(sample));
    });
  }

  it('is what the diff uses', () => {
    expect(toYaml(samples[0] as never)).toBe(library(samples[0]!));
  });
});
