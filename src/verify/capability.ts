import type { Command } from 'commander';
import type { Capability } from '../core/capability';
import { migrationCommands } from './migration/migration-cli';
import { openapiCommands } from './openapi/openapi-cli';
import { scanCommands } from './scan/scan-cli';
import { scanKinds } from './scan/scan-kinds';

/**
 * Pre-deployment verification: migration lock checks, API contract diffs, security scans. Each
 * verification's result is evidence recorded against one revision, which a Rollout or an
 * ApprovalPolicy can require.
 */
export const verifyCapability: Capability = {
  name: 'verify',
  kinds: [...scanKinds],
  cli(program, cli) {
    const verify: Command = program.command('verify').description('Pre-deployment verifications: migration lock checks, API contract diffs, security scans (exit 0 pass, 1 fail, 2 bad input)');
    migrationCommands(verify, cli);
    openapiCommands(verify, cli);
    scanCommands(verify, cli);
  },
};
