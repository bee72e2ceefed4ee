import type { Command } from 'commander';
import type { CliContext } from '../../cli/context';

/** `shipgate verify migration …`. */
export function migrationCommands(_verify: Command, _cli: CliContext): void {}
