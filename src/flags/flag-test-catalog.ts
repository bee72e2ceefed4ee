/**
 * For tests: the catalog service flags in production belong to, and the template that makes
 * their changes standard (pre-approved). The gate tests cover approvals and refusals.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const FLAG_TEST_CATALOG = `apiVersion: shipgate.dev/v1
kind: Service
metadata: { name: shop }
spec: { owner: team-shop, tier: 3 }
---
apiVersion: shipgate.dev/v1
kind: StandardChangeTemplate
metadata: { name: shop-flags }
spec: { services: [shop], environments: ['*'], kinds: [config, code], maxRisk: critical }
---
`;

/** Applies the catalog on its own: the gate of a flag on in production reads the stored catalog. */
export async function applyFlagCatalog(s: { cli(args: string[]): Promise<{ code: number; stderr: string }> }, dir: string): Promise<void> {
  const file = join(dir, 'flag-catalog.yaml');
  writeFileSync(file, FLAG_TEST_CATALOG);
  const r = await s.cli(['apply', '-f', file]);
  if (r.code !== 0) throw new Error(`applying the flag test catalog failed: ${r.stderr}`);
}
