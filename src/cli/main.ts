// The command line of DESIGN §4. Exit status: 0 pass, 1 the verdict is fail,
// 2 the review could not run (one-line reason on stderr).
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { UserError } from '../errors.js';
import { EXIT_COULD_NOT_RUN, exitStatus } from './exit.js';

const USAGE = `Usage:
  safe-deploy review [--repo DIR] --base REF --head REF [--format markdown|json|html] [--out FILE] [--config FILE]
                     [--live [--kubeconfig FILE] [--context NAME]] [--render-cache DIR]
  safe-deploy serve [--role web|worker|all]  # webhook server: GitHub App, GitLab, health and metrics (web/worker: REDIS_URL)
  safe-deploy ci [--repo DIR] [--render-cache DIR]  # in GitHub Actions / GitLab CI: review the merge request, post comment + status

Predicts what merging HEAD into BASE does to the cluster and prints it as the
merge-request comment (markdown), as JSON, or as the full report page (html:
one self-contained file with every change, filters and search). With --live it also reads the
targets' clusters and asks their API servers for a server-side apply dry-run
(never a write; see docs/live.md): the clusters of .safe-deploy.yml, or the one
cluster --kubeconfig/--context name. With --render-cache (or
SAFE_DEPLOY_RENDER_CACHE) renders are kept in DIR and read, not rendered, by
the next review whose targets have the same inputs.

Exit status: 0 pass, 1 the verdict is fail, 2 the review could not run.`;

/** Where the CLI writes: the process's streams, or a caller's (tests run the CLI in-process). */
export interface CliOutput {
  stdout(text: string): void;
  stderr(text: string): void;
}

const PROCESS_OUTPUT: CliOutput = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

async function review(args: string[], output: CliOutput): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      repo: { type: 'string', default: '.' },
      base: { type: 'string' },
      head: { type: 'string' },
      format: { type: 'string', default: 'markdown' },
      out: { type: 'string' },
      config: { type: 'string' },
      live: { type: 'boolean', default: false },
      kubeconfig: { type: 'string' },
      context: { type: 'string' },
      'render-cache': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    output.stdout(`${USAGE}\n`);
    return 0;
  }
  if (!values.base || !values.head) throw new UserError('review needs --base REF and --head REF');
  if ((values.kubeconfig || values.context) && !values.live) throw new UserError('--kubeconfig and --context need --live');
  const format = values.format;
  if (format !== 'markdown' && format !== 'json' && format !== 'html') throw new UserError(`unknown --format '${format}': use markdown, json or html`);
  // Loaded on use, so --help and argument errors answer at once.
  const [{ runReview }, { renderJson }, { renderMarkdown }, { renderHtml }, { localLiveSpec }, { renderCacheSpec }] = await Promise.all([
    import('../review.js'),
    import('../report/json.js'),
    import('../report/markdown.js'),
    import('../report/html.js'),
    import('../live/access.js'),
    import('../render/cache.js'),
  ]);
  const renderCache = renderCacheSpec(process.env, values['render-cache'] && resolve(values['render-cache']));
  const live = values.live ? { access: localLiveSpec({ ...(values.kubeconfig ? { kubeconfig: values.kubeconfig } : {}), ...(values.context ? { context: values.context } : {}), cwd: process.cwd(), env: process.env }) } : undefined;
  const result = await runReview({
    repo: resolve(values.repo),
    base: values.base,
    head: values.head,
    ...(values.config ? { configFile: resolve(values.config) } : {}),
    ...(live ? { live } : {}),
    ...(renderCache ? { renderCache } : {}),
  });
  const text = { json: renderJson, markdown: renderMarkdown, html: renderHtml }[format](result);
  if (values.out) await writeFile(values.out, text);
  else output.stdout(text);
  return exitStatus(result.verdict);
}

/** Runs the CLI and returns the exit status. */
export async function run(argv: string[], output: CliOutput = PROCESS_OUTPUT): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'review':
        return await review(rest, output);
      case 'ci': {
        const { values } = parseArgs({ args: rest, options: { repo: { type: 'string', default: '.' }, 'render-cache': { type: 'string' } }, strict: true });
        const { runCi } = await import('./ci.js');
        const env = values['render-cache'] ? { ...process.env, SAFE_DEPLOY_RENDER_CACHE: resolve(values['render-cache']) } : process.env;
        return await runCi(env, resolve(values.repo), output.stdout);
      }
      case 'serve': {
        const { values } = parseArgs({ args: rest, options: { role: { type: 'string', default: 'all' } }, strict: true });
        if (values.role !== 'all' && values.role !== 'web' && values.role !== 'worker') throw new UserError(`unknown --role '${values.role}': use web, worker or all`);
        const { serve } = await import('../server/server.js');
        await serve(process.env, values.role);
        return 0;
      }
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        output.stdout(`${USAGE}\n`);
        return command === undefined ? EXIT_COULD_NOT_RUN : 0;
      default:
        throw new UserError(`unknown command '${command}'; see safe-deploy --help`);
    }
  } catch (error) {
    const known = error instanceof UserError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    const message = (error as Error).message.split('\n')[0];
    output.stderr(`safe-deploy: ${known ? message : `internal error: ${message}`}\n`);
    return EXIT_COULD_NOT_RUN;
  }
}
