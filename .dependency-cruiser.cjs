// The import rules of docs/architecture.md, checked in CI (`npm run lint`).
//   platform: core, store, audit, auth, api, cli, resources, egress — the base every capability uses
//   ports:    metrics (MetricSource), targets (DeployTarget), traffic (TrafficRouter)
//   capabilities: every other folder; they reach one another through published hooks only
//   roots:    src/server.ts, src/capabilities.ts, src/cli/main.ts, src/demo/ (they assemble everything)
// Test files may use other folders' fixtures; the rules below hold for production code.
const PLATFORM = '(core|store|audit|auth|api|cli|resources|egress)';
const PORTS = '(metrics|targets|traffic)';
const CAPABILITIES = '(analysis|capacity|catalog|change|dr|flags|ops|outbox|rollout|router|slo|verify|web)';
const TEST = '\\.test\\.ts$|/testing/|/testdata/|-fixture\\.ts$';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import cycle at run time (type-only back-edges are allowed): split the shared part out, or reach the other side through a hook.',
      from: { path: '^src/' },
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'capability-to-capability',
      severity: 'error',
      comment: 'A capability imports core, store, audit, auth, the platform and ports only; another capability is reached through HOOKS (src/core/hooks.ts).',
      from: { path: `^src/${CAPABILITIES}/`, pathNot: TEST },
      to: { path: `^src/${CAPABILITIES}/`, pathNot: ['^src/$1/'] },
    },
    {
      name: 'platform-to-capability',
      severity: 'error',
      comment: 'The platform knows no capability: it offers contracts (hooks) that capabilities implement.',
      from: { path: `^src/${PLATFORM}/`, pathNot: `${TEST}|^src/cli/main\\.ts$|^src/store/db\\.ts$` },
      to: { path: `^src/(${CAPABILITIES.slice(1, -1)}|${PORTS.slice(1, -1)}|demo)/` },
    },
    {
      name: 'store-assembles-table-types',
      severity: 'error',
      comment: 'src/store/db.ts assembles the Database type from each capability\'s table types, and imports nothing else of theirs.',
      from: { path: '^src/store/db\\.ts$' },
      to: { path: `^src/(${CAPABILITIES.slice(1, -1)}|${PORTS.slice(1, -1)})/`, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'ports-to-capability',
      severity: 'error',
      comment: 'A port (metrics, targets, traffic) is used by capabilities and must not depend on one.',
      from: { path: `^src/${PORTS}/`, pathNot: TEST },
      to: { path: `^src/(${CAPABILITIES.slice(1, -1)}|demo)/`, pathNot: '^src/router/' },
    },
    {
      name: 'core-is-contracts',
      severity: 'error',
      comment: 'core holds contracts and pure helpers; it imports no concrete class of another folder (type-only imports of platform contracts are allowed).',
      from: { path: '^src/core/', pathNot: TEST },
      to: { path: '^src/(?!core/)', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'not-to-test',
      severity: 'error',
      comment: 'Production code does not import tests or test fixtures.',
      from: { path: '^src/', pathNot: TEST },
      to: { path: TEST },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs', '.json'] },
  },
};
