// Go templates as Argo CD's ApplicationSet controller executes them (goTemplate: true):
// each string is a template of its own, executed with one parameter set as its data,
// by the real text/template and Sprig of the bundled helm binary (offline, sandboxed).
// What differs between Helm's engine and Argo CD's is reconciled here: the function
// set (Argo CD has Sprig without env, expandenv and getHostByName, plus normalize and
// its own YAML helpers; none of Helm's include, tpl, required, lookup, toToml…) and
// the missingkey option (Helm always runs with missingkey=zero).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { isObject, type JsonObject } from '../core/resource.js';
import { RenderError } from '../errors.js';
import { unguessableDir } from '../util/unguessable-dir.js';
import { openToRenderer, runSandboxed, type Limits } from './sandbox.js';
import { findTool } from './tools.js';

// Sprig v3.3.0's generic function map, which Argo CD and Helm both build on.
const SPRIG = `hello ago date date_in_zone date_modify dateInZone dateModify duration durationRound htmlDate htmlDateInZone
must_date_modify mustDateModify mustToDate now toDate unixEpoch abbrev abbrevboth trunc trim upper lower title untitle
substr repeat trimall trimAll trimSuffix trimPrefix nospace initials randAlphaNum randAlpha randAscii randNumeric swapcase
shuffle snakecase camelcase kebabcase wrap wrapWith contains hasPrefix hasSuffix quote squote cat indent nindent replace
plural sha1sum sha256sum sha512sum adler32sum toString atoi int64 int float64 seq toDecimal split splitList splitn
toStrings until untilStep add1 add sub div mod mul randInt add1f addf subf divf mulf biggest max min maxf minf ceil floor
round join sortAlpha default empty coalesce all any compact mustCompact fromJson toJson toPrettyJson toRawJson
mustFromJson mustToJson mustToPrettyJson mustToRawJson ternary deepCopy mustDeepCopy typeOf typeIs typeIsLike kindOf
kindIs deepEqual base dir clean ext isAbs osBase osClean osDir osExt osIsAbs b64enc b64dec b32enc b32dec tuple list
dict get set unset hasKey pluck keys pick omit merge mergeOverwrite mustMerge mustMergeOverwrite values append
mustAppend prepend mustPrepend first mustFirst rest mustRest last mustLast initial mustInitial reverse mustReverse uniq
mustUniq without mustWithout has mustHas slice mustSlice concat dig chunk mustChunk bcrypt htpasswd genPrivateKey
derivePassword buildCustomCert genCA genCAWithKey genSelfSignedCert genSelfSignedCertWithKey genSignedCert
genSignedCertWithKey encryptAES decryptAES randBytes uuidv4 semver semverCompare fail regexMatch mustRegexMatch
regexFindAll mustRegexFindAll regexFind mustRegexFind regexReplaceAll mustRegexReplaceAll regexReplaceAllLiteral
mustRegexReplaceAllLiteral regexSplit mustRegexSplit regexQuoteMeta urlParse urlJoin`.split(/\s+/);
// text/template's own functions.
const BUILTINS = 'and or not len index slice print printf println html js urlquery call eq ne lt le gt ge'.split(' ');
// Argo CD's additions (utils.go): toYaml, fromYaml and fromYamlArray behave as Helm's on valid input.
const ARGO_FUNCTIONS = new Set([...SPRIG, ...BUILTINS, 'toYaml', 'fromYaml', 'fromYamlArray', 'normalize', 'slugify']);
const KEYWORDS = new Set(['if', 'else', 'end', 'range', 'with', 'define', 'template', 'block', 'break', 'continue', 'nil', 'true', 'false']);

// Argo CD's normalize (SanitizeName) in template language: Helm has no such function.
const NORMALIZE = '{{define "argocd.normalize"}}{{ regexReplaceAll "[^-a-z0-9.]" (lower .) "-" | trunc 253 | trimAll "-." }}{{end}}';
const MISSING_KEY = new Set(['missingkey=default', 'missingkey=invalid', 'missingkey=zero', 'missingkey=error']);
const NO_VALUE = '<no value>';

/**
 * The template with Argo CD's function set applied: a function Argo CD lacks fails
 * as it does there; normalize becomes a call of its equivalent; slugify (gosimple/slug's
 * transliteration tables) is not evaluated offline.
 */
export function argoTemplate(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const open = text.indexOf('{{', i);
    if (open === -1) break;
    out += text.slice(i, open + 2);
    i = open + 2;
    if (text.startsWith('/*', i + (text[i] === '-' ? 2 : 0))) {
      const close = text.indexOf('*/', i);
      const end = close === -1 ? text.length : close + 2;
      out += text.slice(i, end);
      i = end;
      continue;
    }
    while (i < text.length && !text.startsWith('}}', i)) {
      const rest = text.slice(i);
      const token = /^("(?:\\.|[^"\\])*"|`[^`]*`|'(?:\\.|[^'\\])+'|[.$][\w]*|[0-9][\w.]*|[A-Za-z_]\w*|[\s\S])/.exec(rest)![0];
      i += token.length;
      if (/^[A-Za-z_]/.test(token) && !KEYWORDS.has(token)) {
        if (!ARGO_FUNCTIONS.has(token)) throw new RenderError(`template ${JSON.stringify(text)}: function "${token}" not defined in Argo CD`);
        if (token === 'slugify') throw new RenderError(`template ${JSON.stringify(text)}: slugify is not evaluated offline`);
        if (token === 'normalize') {
          out += 'include "argocd.normalize"';
          continue;
        }
      }
      out += token;
    }
  }
  return out + text.slice(i);
}

function missingKeyMode(options: string[]): string {
  let mode = 'missingkey=default';
  for (const option of options) {
    if (!MISSING_KEY.has(option)) throw new RenderError(`goTemplateOptions: unrecognized option "${option}" (Argo CD knows missingkey=default|invalid|zero|error)`);
    mode = option;
  }
  return mode;
}

/**
 * Every template executed with every parameter set, as Argo CD would:
 * result[set][template]. A RenderError names the template that fails.
 */
export async function executeGoTemplates(templates: string[], paramSets: JsonObject[], options: string[], limits: Limits): Promise<string[][]> {
  if (templates.length === 0 || paramSets.length === 0) return paramSets.map(() => []);
  const mode = missingKeyMode(options);
  const bodies = templates.map(argoTemplate);
  const tool = await findTool('helm');
  const scratch = await mkdtemp(join(tmpdir(), 'safe-deploy-gotemplate-'));
  try {
    const dir = await unguessableDir(scratch);
    await mkdir(join(dir, 'chart', 'templates'), { recursive: true });
    const chart = join(dir, 'chart');
    await writeFile(join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: appset\nversion: 0.1.0\n');
    await writeFile(join(chart, 'templates', '_argocd.tpl'), NORMALIZE);
    await Promise.all(bodies.map((body, i) => writeFile(join(chart, 'templates', `_leaf-${i}.tpl`), `{{define "leaf-${i}"}}${body}{{end}}`)));
    // Base64 keeps each result whole: Helm would drop "<no value>" from a file's output, Argo CD keeps it.
    const rows = bodies.map((_, i) => `  - {{ include "leaf-${i}" $p | b64enc | quote }}`).join('\n');
    await writeFile(join(chart, 'templates', 'out.yaml'), `{{- range $p := .Values.sets }}\n---\nr:\n${rows}\n{{- end }}\n`);
    await writeFile(join(dir, 'values.json'), JSON.stringify({ sets: paramSets }));
    await openToRenderer(dir);
    const output = await runSandboxed(tool.command, ['template', 'appset', chart, '--values', join(dir, 'values.json')], {
      cwd: dir,
      limits,
      hidePaths: [dir],
      label: 'goTemplate',
    }).catch((error: unknown) => {
      if (!(error instanceof RenderError)) throw error;
      const reason = error.reason.replace(/(?:chart\/)?(?:appset\/)?templates\/_leaf-(\d+)\.tpl(:\d+:\d+)?/g, (_, n: string) => `template ${JSON.stringify(templates[Number(n)])}`);
      throw new RenderError(reason.replace(/appset\/templates\/out\.yaml:\d+:\d+ · executing "appset\/templates\/out\.yaml" at <include "leaf-\d+" \$p>: · error calling include: · /g, ''));
    });
    const results = output
      .split(/^---$/m)
      .map((doc) => parse(doc) as unknown)
      .filter(isObject)
      .map((doc) => (Array.isArray(doc.r) ? doc.r.map((v) => Buffer.from(String(v), 'base64').toString('utf8')) : []));
    if (results.length !== paramSets.length) throw new RenderError('goTemplate: helm returned an unexpected output');
    if (mode === 'missingkey=error') {
      // Helm cannot run with missingkey=error: a missing key shows as "<no value>", which Argo CD refuses.
      results.forEach((row) =>
        row.forEach((value, t) => {
          if (value.includes(NO_VALUE)) throw new RenderError(`template ${JSON.stringify(templates[t])}: map has no entry for a key it uses (missingkey=error)`);
        }),
      );
    }
    return results;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
