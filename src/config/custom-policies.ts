// policies.custom: ValidatingAdmissionPolicies, bindings and params in files of
// the base revision (never the head: a change must not rewrite its own judge).
import { MANIFEST_EXTENSIONS } from '../core/manifests.js';
import { readPolicySet, type PolicySet } from '../core/policy/admission/policies.js';
import type { Resource } from '../core/resource.js';
import { RenderError, UserError } from '../errors.js';
import { parseObjects } from '../util/manifests.js';
import type { Snapshot } from '../repo/snapshot.js';

export async function loadCustomPolicies(snapshot: Snapshot, paths: string[]): Promise<PolicySet> {
  const resources: Resource[] = [];
  for (const path of paths) {
    const files = snapshot.files.has(path) ? [path] : snapshot.filesUnder(path).filter((f) => MANIFEST_EXTENSIONS.test(f));
    if (!files.length) throw new UserError(`.safe-deploy.yml: policies.custom: ${path} is not in the base revision`);
    for (const file of files) {
      try {
        resources.push(...(await parseObjects(await snapshot.readText(file), file, 'default')));
      } catch (error) {
        if (error instanceof RenderError) throw new UserError(`policies.custom: ${error.message}`);
        throw error;
      }
    }
  }
  const { set, problems } = readPolicySet(resources);
  if (problems.length) {
    throw new UserError(problems.map((p) => `${p.resource.source?.file ?? 'policies.custom'}: ${p.message}`).join('; '));
  }
  return set;
}
