import type { Command } from 'commander';
import type { CliContext } from '../../cli/context';

/** `shipgate verify scan …`. */
export function scanCommands(_verify: Command, _cli: CliContext): void {}
