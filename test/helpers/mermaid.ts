// Mermaid's own parser, for tests of the diagrams we write. Mermaid sanitizes labels
// with DOMPurify, which needs a DOM: jsdom's window serves, made once per test file.
import { JSDOM } from 'jsdom';

export interface Label {
  /** What a viewer reads: entities decoded as Mermaid and then the browser decode them, a line break per <br>. */
  text: string;
  /** The HTML elements the label holds (ours: only br). */
  tags: string[];
}

export interface ParsedFlowchart {
  nodes: Map<string, Label & { classes: string[] }>;
  edges: Array<{ from: string; to: string; text: string }>;
  subgraphs: Array<{ id: string; title: Label; nodes: string[] }>;
  /** Click handlers, links and tooltips: a diagram of ours has none. */
  interactions: number;
}

interface FlowDb {
  getVertices(): Map<string, { id: string; text?: string; classes: string[]; link?: string; haveCallback?: boolean }>;
  getEdges(): Array<{ start: string; end: string; text: string }>;
  getSubGraphs(): Array<{ id: string; title: string; nodes: string[] }>;
  getTooltip(id: string): string | undefined;
}

/** Mermaid keeps "#60;" as a placeholder while it parses and writes it as "&#60;" into the label's HTML. */
function label(raw: string): Label {
  const element = document.createElement('div');
  element.innerHTML = raw.replace(/\uFB02\xB0\xB0/g, '&#').replace(/\uFB02\xB0/g, '&').replace(/\xB6\xDF/g, ';');
  const text = [...element.childNodes].map((n) => (n.nodeName === 'BR' ? '\n' : (n.textContent ?? ''))).join('');
  return { text, tags: [...element.querySelectorAll('*')].map((e) => e.tagName.toLowerCase()) };
}

/** Parses `text` with Mermaid (throws on a syntax error) and returns what the flowchart holds. */
export async function parseFlowchart(text: string): Promise<ParsedFlowchart> {
  if (!('window' in globalThis)) {
    const { window } = new JSDOM('');
    Object.assign(globalThis, { window, document: window.document });
  }
  const { default: mermaid } = await import('mermaid');
  const result = await mermaid.parse(text);
  if (!result || result.diagramType !== 'flowchart-v2') throw new Error(`not a flowchart: ${JSON.stringify(result)}`);
  const db = (await mermaid.mermaidAPI.getDiagramFromText(text)).db as unknown as FlowDb;
  const vertices = [...db.getVertices().values()];
  return {
    nodes: new Map(vertices.map((v) => [v.id, { ...label(v.text ?? v.id), classes: [...v.classes] }])),
    edges: db.getEdges().map((e) => ({ from: e.start, to: e.end, text: e.text })),
    subgraphs: db.getSubGraphs().map((s) => ({ id: s.id, title: label(s.title), nodes: [...s.nodes] })),
    interactions: vertices.filter((v) => v.link || v.haveCallback || db.getTooltip(v.id)).length,
  };
}
