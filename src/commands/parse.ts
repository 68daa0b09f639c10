// Slash-commands in a comment: lines starting with `/safe-deploy`, outside code
// blocks and quotes, in the order written.

export type CommandName = 'help' | 'rerun' | 'show' | 'explain' | 'override' | 'overrides' | 'unknown';

export interface Command {
  name: CommandName;
  /** What the user typed after `/safe-deploy`, for replies. */
  text: string;
  args: string[];
  /** For override: the text after ` -- `. */
  reason?: string;
}

const PREFIX = /^\/safe-deploy(?:\s+(.*))?$/;
const ALIASES: Record<string, CommandName> = { help: 'help', rerun: 'rerun', diff: 'rerun', show: 'show', explain: 'explain', override: 'override', overrides: 'overrides' };

function toCommand(text: string): Command {
  const [before, ...after] = text.split(/\s+--(?:\s+|$)/);
  const [word = 'help', ...args] = (before ?? '').trim().split(/\s+/).filter(Boolean);
  const name = ALIASES[word.toLowerCase()] ?? 'unknown';
  const reason = after.join(' -- ').trim();
  return { name, text, args, ...(name === 'override' && reason ? { reason } : {}) };
}

export function parseCommands(body: string): Command[] {
  const commands: Command[] = [];
  let fence: string | null = null;
  for (const raw of body.split(/\r?\n/)) {
    const fenceMatch = /^\s{0,3}(`{3,}|~{3,})/.exec(raw);
    if (fence) {
      if (fenceMatch && fenceMatch[1]!.startsWith(fence[0]!) && fenceMatch[1]!.length >= fence.length) fence = null;
      continue;
    }
    if (fenceMatch) {
      fence = fenceMatch[1]!;
      continue;
    }
    // Indented code (4 spaces or a tab) and quotes are someone else's words, not commands.
    if (/^( {4}|\t)/.test(raw) || /^\s*>/.test(raw)) continue;
    const match = PREFIX.exec(raw.trim());
    if (match) commands.push(toCommand((match[1] ?? '').trim()));
  }
  return commands;
}
