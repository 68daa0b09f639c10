// The command line of DESIGN §4. Exit status: 0 pass, 1 the verdict is fail,
// 2 the review could not run (one-line reason on stderr).
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { UserError } from '../errors.js';
import { EXIT_COULD_NOT_RUN, exitStatus } from './exit.js';

const USAGE = `Usage:
  safe-deploy review [--repo DIR] --base REF --head REF [--format markdown|json] [--out FILE] [--config FILE]
  safe-deploy serve            # webhook server: GitHub App, GitLab, health and metrics
  safe-deploy ci [--repo DIR]  # in GitHub Actions / GitLab CI: review the merge request, post comment + status

Predicts what merging HEAD into BASE does to the cluster and prints it as the
merge-request comment (markdown) or as JSON.

Exit status: 0 pass, 1 the verdict is fail, 2 the review could not run.`;

async function review(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      repo: { type: 'string', default: '.' },
      base: { type: 'string' },
      head: { type: 'string' },
      format: { type: 'string', default: 'markdown' },
      out: { type: 'string' },
      config: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (!values.base || !values.head) throw new UserError('review needs --base REF and --head REF');
  if (values.format !== 'markdown' && values.format !== 'json') {
    throw new UserError(`unknown --format '${values.format}': use markdown or json`);
  }
  // Loaded on use, so --help and argument errors answer at once.
  const [{ runReview }, { renderJson }, { renderMarkdown }] = await Promise.all([
    import('../review.js'),
    import('../report/json.js'),
    import('../report/markdown.js'),
  ]);
  const result = await runReview({
    repo: resolve(values.repo),
    base: values.base,
    head: values.head,
    ...(values.config ? { configFile: resolve(values.config) } : {}),
  });
  const text = values.format === 'json' ? renderJson(result) : renderMarkdown(result);
  if (values.out) await writeFile(values.out, text);
  else process.stdout.write(text);
  return exitStatus(result.verdict);
}

/** Runs the CLI and returns the exit status. */
export async function run(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'review':
        return await review(rest);
      case 'ci': {
        const { values } = parseArgs({ args: rest, options: { repo: { type: 'string', default: '.' } }, strict: true });
        const { runCi } = await import('./ci.js');
        return await runCi(process.env, resolve(values.repo), (text) => process.stdout.write(text));
      }
      case 'serve': {
        const { serve } = await import('../server/server.js');
        await serve();
        return 0;
      }
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(`${USAGE}\n`);
        return command === undefined ? EXIT_COULD_NOT_RUN : 0;
      default:
        throw new UserError(`unknown command '${command}'; see safe-deploy --help`);
    }
  } catch (error) {
    const known = error instanceof UserError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    const message = (error as Error).message.split('\n')[0];
    process.stderr.write(`safe-deploy: ${known ? message : `internal error: ${message}`}\n`);
    return EXIT_COULD_NOT_RUN;
  }
}
