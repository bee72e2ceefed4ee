import type { Command } from 'commander';
import type { CliContext } from '../../cli/context';

/** `shipgate verify openapi …`. */
export function openapiCommands(_verify: Command, _cli: CliContext): void {}
