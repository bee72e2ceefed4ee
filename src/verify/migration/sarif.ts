/** The result as SARIF 2.1.0, for CI code scanning (one run, one rule per rule id). Pure. */
import { RULE_IDS, RULES, RULES_DOC } from './rule-catalog';
import type { MigrationResult } from './migration-result';

const SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

export function toSarif(result: MigrationResult): unknown {
  const rules = RULE_IDS.map((id) => ({
    id,
    name: id.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase()),
    shortDescription: { text: RULES[id].title },
    helpUri: `${RULES_DOC}#${id}`,
    help: { text: `See ${RULES_DOC}#${id}` },
    defaultConfiguration: { level: RULES[id].severity },
  }));
  return {
    $schema: SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'shipgate verify migration', informationUri: RULES_DOC, rules } },
        results: result.findings.map((f) => ({
          ruleId: f.rule,
          ruleIndex: RULE_IDS.indexOf(f.rule),
          level: f.severity,
          message: { text: `${f.message}. Safe rewrite: ${f.safeRewrite}` },
          locations: [{ physicalLocation: { artifactLocation: { uri: f.file.split('\\').join('/') }, region: { startLine: f.line, startColumn: f.column } } }],
          properties: { lockMode: f.lockMode, blocks: f.blocks, relation: f.relation, irreversible: f.irreversible },
          ...(f.allowed !== null ? { suppressions: [{ kind: 'inSource', justification: f.allowed }] } : {}),
        })),
        properties: { verdict: result.verdict, irreversible: result.irreversible },
      },
    ],
  };
}
