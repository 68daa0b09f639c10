// The layers of docs/architecture.md, lowest first: a module may import its own layer or a layer
// listed before it, never one after it. Rules are generated from these lists so that the order is
// written once; a strict order also makes a cycle between folders impossible.
const LAYERS = [
  ['errors', '^src/errors\\.ts$'],
  ['core', '^src/core/'],
  ['util', '^src/util/'],
  ['repo', '^src/repo/'],
  ['schema', '^src/schema/'],
  ['config', '^src/config/'],
  ['report', '^src/report/'],
  ['render', '^src/render/'],
  ['targets', '^src/targets/'],
  ['live', '^src/live/'],
  ['review', '^src/(review\\.ts$|reviewer/)'],
  ['commands', '^src/commands/'],
  ['bot', '^src/bot/'],
  ['platforms', '^src/platforms/'],
  ['server', '^src/server/'],
  ['cli', '^src/cli/'],
];
// Pairs on one level: config and report know nothing of each other; cli may start the server.
const SIBLINGS = { config: ['report'], report: ['config'], cli: ['server'] };

// Inside core/: the data model first, then Flux's pure semantics, diff, sync, the deploy target
// (which carries Flux and sync options), impact, the live cluster's view, CEL (custom policies and CRD validation rules
// share it), schema validation, policy.
const CORE = [
  ['core-model', '^src/core/(resource|model|json-stream|manifests|plural|pod|quantity|images|image-summary|clusters|review-routing|consumers|summary|matrix|field-change|glob|live/model)\\.ts$'],
  ['core-flux', '^src/core/flux/'],
  ['core-diff', '^src/core/diff/'],
  ['core-sync', '^src/core/sync/'],
  ['core-target', '^src/core/target\\.ts$'],
  ['core-impact', '^src/core/(impact|secrets|blast-radius)\\.ts$'],
  ['core-live', '^src/core/live/(?!model\\.ts$)'],
  ['core-cel', '^src/core/policy/cel/'],
  ['core-schema', '^src/core/schema/'],
  ['core-policy', '^src/core/policy/(?!cel/)'],
];

/** One rule per layer: nothing from the layers above it (minus its siblings). */
function upwardRules(layers, siblings, describe) {
  return layers.slice(0, -1).map(([name, path], i) => ({
    name: `${name}-imports-up`,
    severity: 'error',
    comment: describe(name),
    from: { path },
    to: { path: layers.slice(i + 1).filter(([other]) => !(siblings[name] ?? []).includes(other)).map(([, p]) => p) },
  }));
}

module.exports = {
  forbidden: [
    ...upwardRules(LAYERS, SIBLINGS, (name) => `${name} may import only the layers below it (docs/architecture.md)`),
    ...upwardRules(CORE, {}, (name) => `${name} may import only the parts of core/ below it (docs/architecture.md)`),
    {
      name: 'core-part-unknown',
      severity: 'error',
      comment: 'every module of core/ belongs to one of its parts: add a new one to CORE in .dependency-cruiser.cjs',
      from: { path: '^src/core/', pathNot: CORE.map(([, p]) => p) },
      to: {},
    },
    {
      name: 'server-is-composed-only',
      severity: 'error',
      comment: 'only cli/main starts the server; nothing else reaches into server/',
      from: { path: '^src/', pathNot: '^src/(server/|cli/main\\.ts$)' },
      to: { path: '^src/server/' },
    },
    { name: 'no-circular', severity: 'error', comment: 'modules must not import each other in a cycle', from: {}, to: { circular: true } },
    {
      name: 'no-folder-cycle',
      severity: 'error',
      comment: 'folders must not import each other in a cycle (subfolders included)',
      scope: 'folder',
      from: {},
      to: { circular: true },
    },
    {
      name: 'core-is-pure',
      severity: 'error',
      comment: 'core/ does no I/O: no Node built-in except crypto (hashing)',
      from: { path: '^src/core/' },
      to: { dependencyTypes: ['core'], pathNot: '^(node:)?crypto$' },
    },
    {
      name: 'core-no-io-packages',
      severity: 'error',
      comment: 'core/ does not talk to platforms, logs or metrics',
      from: { path: '^src/core/' },
      to: { path: 'node_modules/(probot|@gitbeaker|@octokit|pino|prom-client|bottleneck)/' },
    },
    { name: 'not-to-unresolvable', severity: 'error', from: {}, to: { couldNotResolve: true } },
  ],
  options: {
    tsPreCompilationDeps: true, // type-only imports count: they couple layers as much as values do
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
    doNotFollow: { path: 'node_modules' },
  },
};
