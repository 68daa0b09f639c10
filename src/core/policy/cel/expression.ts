// CEL expressions as the API server runs them in ValidatingAdmissionPolicies:
// compiled once (syntax and every function name checked up front, so a typo is
// a configuration error, never a silent pass), evaluated with JSON integers as
// CEL ints, and bounded by a worst-case cost estimated before each evaluation.
import { celEnv, celList, celMap, isCelError, parse, plan, type CelInput, type CelResult } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import { isObject, type JsonValue } from '../../resource.js';
import { kubernetesLibrary } from './library.js';

/** Calls the planner handles itself rather than through registered functions. */
const PLANNER_CALLS = new Set(['_&&_', '_||_', '_?_:_', '_[_]', '@not_strictly_false']);
/** Worst-case operations one evaluation may cost: expression size × (largest list)^(comprehension nesting). */
export const COST_BUDGET = 10_000_000;

const env = celEnv({ funcs: [...strings, ...kubernetesLibrary()] });

export class CelCompileError extends Error {
  override name = 'CelCompileError';
  constructor(
    readonly expression: string,
    reason: string,
  ) {
    super(`${reason} in ${JSON.stringify(expression)}`);
  }
}

export interface CompiledExpression {
  source: string;
  run: (bindings: Record<string, CelInput>) => CelResult;
  /** AST nodes, and the deepest nesting of comprehensions (all, exists, map, filter…). */
  nodes: number;
  depth: number;
}

interface AstNode {
  exprKind: { case?: string; value?: Record<string, unknown> };
}

function isAst(value: unknown): value is AstNode {
  return typeof value === 'object' && value !== null && 'exprKind' in value;
}

/** Walks the parsed expression: counts nodes, measures comprehension depth, collects function names. */
function inspect(node: AstNode, depth: number, stats: { nodes: number; depth: number; calls: Set<string> }): void {
  stats.nodes++;
  const { case: kind, value } = node.exprKind;
  if (!value) return;
  const nested = kind === 'comprehensionExpr' ? depth + 1 : depth;
  stats.depth = Math.max(stats.depth, nested);
  if (kind === 'callExpr') {
    // `sets.contains(a, b)` parses as a call on the identifier `sets`: the function may be namespaced.
    const target = value.target as AstNode | undefined;
    const namespace = target?.exprKind.case === 'identExpr' ? (target.exprKind.value as { name?: string }).name : undefined;
    stats.calls.add(namespace ? `${namespace}.${String(value.function)}\t${String(value.function)}` : String(value.function));
  }
  for (const child of Object.values(value)) {
    if (isAst(child)) inspect(child, nested, stats);
    else if (Array.isArray(child)) for (const item of child) if (isAst(item)) inspect(item, nested, stats);
  }
}

export function compileExpression(source: string): CompiledExpression {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(source);
  } catch (error) {
    throw new CelCompileError(source, `syntax error: ${(error as Error).message.split('\n')[0]}`);
  }
  const stats = { nodes: 0, depth: 0, calls: new Set<string>() };
  if (parsed.expr) inspect(parsed.expr as unknown as AstNode, 0, stats);
  const known = (name: string) => PLANNER_CALLS.has(name) || env.funcs.find(name) !== undefined;
  const unknown = [...stats.calls].filter((names) => !names.split('\t').some(known)).map((names) => names.split('\t')[0]!);
  if (unknown.length) throw new CelCompileError(source, `undeclared function ${unknown.map((n) => `${n}()`).join(', ')}`);
  const program = plan(env, parsed) as (bindings: Record<string, CelInput>) => CelResult;
  return { source, run: program, nodes: stats.nodes, depth: stats.depth };
}

const converted = new WeakMap<object, CelInput>();

/** JSON as CEL sees Kubernetes objects: integers are ints (bigint), other numbers doubles. */
export function toCel(value: JsonValue | undefined): CelInput {
  if (value === undefined || value === null) return null;
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : value;
  if (typeof value !== 'object') return value;
  const cached = converted.get(value);
  if (cached !== undefined) return cached;
  // Built as the evaluator's own maps and lists: plain objects would be re-wrapped on every access.
  const result: CelInput = Array.isArray(value)
    ? celList(value.map((item) => toCel(item)) as CelInput[] as never)
    : celMap(new Map(Object.entries(value).map(([k, v]) => [k, toCel(v)])) as never);
  converted.set(value, result);
  return result;
}

/** The longest list or map anywhere in a value: what a comprehension can iterate over. */
export function widest(value: JsonValue | undefined): number {
  if (Array.isArray(value)) return value.reduce<number>((max, v) => Math.max(max, widest(v)), value.length);
  if (isObject(value)) return Object.values(value).reduce<number>((max, v) => Math.max(max, widest(v)), Object.keys(value).length);
  return 0;
}

export type Evaluation = { ok: true; value: unknown } | { ok: false; error: string };

/** Evaluates within the cost budget; `width` is the widest collection among the inputs. */
export function evaluateExpression(expression: CompiledExpression, bindings: Record<string, CelInput>, width: number): Evaluation {
  const cost = expression.nodes * Math.max(1, width) ** expression.depth;
  if (cost > COST_BUDGET) {
    return { ok: false, error: `estimated cost ${cost.toExponential(1)} exceeds the budget of ${COST_BUDGET.toExponential(0)} (nested comprehensions over lists of up to ${width} items)` };
  }
  try {
    const result = expression.run(bindings);
    if (isCelError(result)) return { ok: false, error: result.message };
    return { ok: true, value: result };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}
