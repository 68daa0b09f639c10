// The comment's blast-radius section: the Mermaid picture of what the change
// touches and what depends on it, folded away, with a one-line legend.
import type { Review } from '../core/model.js';
import { plural } from '../core/plural.js';
import { fenced } from './markdown-text.js';
import { mermaidFlowchart } from './mermaid.js';

export interface BlastRadiusSection {
  /** The section, or '' when no change has a dependent (a picture of lone objects tells nothing the diffs do not). */
  shown: string;
  /** What stands in its place when the comment is over the size limit. */
  dropped: string;
}

export function blastRadiusSection(review: Review): BlastRadiusSection {
  const targets = review.targets.flatMap((t) => (t.blastRadius?.nodes.length ? [{ name: t.name, graph: t.blastRadius }] : []));
  if (!targets.some((t) => t.graph.edges.length)) return { shown: '', dropped: '' };
  const objects = targets.reduce((n, t) => n + t.graph.nodes.length + t.graph.omitted, 0);
  const summary = `<details><summary><b>Blast radius</b> · ${plural(objects, 'object')}${targets.length > 1 ? ` in ${plural(targets.length, 'target')}` : ''}</summary>`;
  const legend =
    '_Arrows point from an object to what depends on it. Fill: green created, blue updated, yellow replaced, red deleted, grey unchanged; ' +
    'border: red data loss or downtime, purple exposure, orange recreate, dashed rollout or not rolled out._';
  return {
    shown: ['', summary, '', ...fenced('mermaid', mermaidFlowchart(targets).trimEnd()), '', legend, '', '</details>'].join('\n'),
    dropped: ['', '_Blast-radius diagram left out to fit the comment size limit._'].join('\n'),
  };
}
