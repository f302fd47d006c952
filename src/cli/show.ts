import type { Command } from 'commander';
import type { CommandContext } from './common.js';

// Placeholder so the program builds; the owning work replaces it with the real command.
export function registerShow(_program: Command, _ctx: CommandContext): void {}
