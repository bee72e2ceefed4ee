import type { Command } from 'commander';
import type { Capability, ServerContext } from '../core/capability';
import { HOOKS, type VerifyEvidence } from '../core/hooks';
import { evidenceCommands } from './evidence-cli';
import { evidenceRoutes } from './evidence-routes';
import { EvidenceService } from './evidence-service';
import { EvidenceStore, verifyMigrations } from './evidence-store';
import { migrationCommands } from './migration/migration-cli';
import { openapiCommands } from './openapi/openapi-cli';
import { pactCommands } from './pact/pact-cli';
import { scanCommands } from './scan/scan-cli';
import { scanKinds } from './scan/scan-kinds';
import { VERIFIERS } from './verifiers';
import { dataCommands } from './data/data-cli';

const services = new WeakMap<ServerContext, EvidenceService>();

function serviceOf(ctx: ServerContext): EvidenceService {
  let s = services.get(ctx);
  if (!s) {
    s = new EvidenceService(ctx, new EvidenceStore(ctx.db), VERIFIERS);
    services.set(ctx, s);
  }
  return s;
}

/**
 * Pre-deployment verification: migration lock checks, API contract diffs, security scans. Each
 * verification's result is evidence recorded against one revision, which a Rollout
 * (`spec.verify`) or an ApprovalPolicy can require (HOOKS.verifyEvidence).
 */
export const verifyCapability: Capability = {
  name: 'verify',
  kinds: [...scanKinds],
  migrations: verifyMigrations,
  init(ctx) {
    const svc = serviceOf(ctx);
    const hook: VerifyEvidence = {
      problems: (subject, required) => svc.problems(subject, required),
      irreversible: (subject) => svc.irreversible(subject),
      latest: (subject) => svc.latest(subject),
    };
    ctx.services.provide(HOOKS.verifyEvidence, hook);
  },
  routes(app, ctx) {
    evidenceRoutes(app, ctx, serviceOf(ctx));
  },
  cli(program, cli) {
    const verify: Command = program
      .command('verify')
      .description(
        'Pre-deployment verifications: migration lock checks, API contract diffs, Pact contracts, security scans (exit 0 pass, 1 fail, 2 bad input); --service/--version record the result as evidence',
      );
    migrationCommands(verify, cli);
    // a command group of its own (`shipgate data sync`): staging data, not a verification
    dataCommands(program, cli);
    openapiCommands(verify, cli);
    scanCommands(verify, cli);
    pactCommands(verify, cli);
    evidenceCommands(verify, cli);
  },
};
