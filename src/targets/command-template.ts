/**
 * A process target's `command` is a template of program arguments, never a shell line: it is
 * spawned with `shell: false`, so nothing in it (or in what is substituted into it) is expanded,
 * split again or interpreted by a shell.
 *
 * Written either as an argv array (preferred):
 *   command: [node, server.js, --artifact={artifact}]
 * or as a string split into words by {@link tokenizeCommand}:
 *   command: node server.js --tag 'two words' --artifact={artifact}
 *
 * Placeholders: `{version}` (the release's version) and `{artifact}` (the release's artifact
 * reference). Each is replaced inside the one argument it appears in; the result is never re-split.
 */

/** The placeholders a template may use. */
export const PLACEHOLDERS = ['version', 'artifact'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

/** What a template is written as in the Rollout: a string of words or an argv array. */
export type CommandTemplate = string | string[];

/** What is substituted into a template. */
export type TemplateValues = Record<Placeholder, string>;

/** A word that is a shell control operator or redirection (`|`, `;`, `&&`, `>`, `2>&1`…). */
const SHELL_OPERATOR = /^(\|\|?|;;?|&&?|&>>?|\d*[<>]{1,2}(&\d*-?)?|[<>]\(.*)$/;
/** Characters that only mean something to a shell when unquoted. */
const UNQUOTED_SHELL_CHARS = /[|;&<>`]/;
/** Command substitution or variable expansion, which a shell would do and we do not. */
const EXPANSION = /\$[({A-Za-z_]|`/;
const PLACEHOLDER_RE = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

const HINT = 'write the command as an argv array (e.g. [node, server.js, "{artifact}"]) or point it at a wrapper script; it runs without a shell';

/** A word and whether any of it was unquoted (only unquoted text can hold shell syntax). */
interface Word {
  text: string;
  /** The unquoted characters of the word, in order (to look for shell syntax). */
  unquoted: string;
  /** Characters inside double quotes, where a shell would still expand `$…` and backticks. */
  doubleQuoted: string;
}

/**
 * Splits a command string into words: runs of whitespace separate words; '…' and "…" quote
 * (including whitespace) and are removed; a backslash is an ordinary character; nothing is
 * expanded. Throws on an unterminated quote.
 */
export function tokenizeCommand(line: string): string[] {
  return words(line).map((w) => w.text);
}

function words(line: string): Word[] {
  const out: Word[] = [];
  let cur: Word | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (/\s/.test(c)) {
      if (cur) out.push(cur);
      cur = undefined;
      continue;
    }
    cur ??= { text: '', unquoted: '', doubleQuoted: '' };
    if (c === "'" || c === '"') {
      const end = line.indexOf(c, i + 1);
      if (end < 0) throw new Error(`unterminated ${c === "'" ? 'single' : 'double'} quote at character ${i + 1}`);
      const inner = line.slice(i + 1, end);
      cur.text += inner;
      if (c === '"') cur.doubleQuoted += inner;
      i = end;
      continue;
    }
    cur.text += c;
    cur.unquoted += c;
  }
  if (cur) out.push(cur);
  return out;
}

/**
 * Checks a template: returns the argv it stands for, or the reason it is refused (empty, a bad
 * quote, shell syntax, an unknown placeholder, a placeholder choosing the program).
 */
export function parseCommandTemplate(template: CommandTemplate): { argv: string[] } | { error: string } {
  let parsed: Word[];
  if (typeof template === 'string') {
    try {
      parsed = words(template);
    } catch (e) {
      return { error: `${(e as Error).message}; ${HINT}` };
    }
  } else {
    // In an array every element is one literal argument: a shell would see it as one word too,
    // but a `$(…)`, a backtick or a lone `|` there still shows a template written for a shell.
    parsed = template.map((text) => ({ text, unquoted: SHELL_OPERATOR.test(text) ? text : '', doubleQuoted: text }));
  }
  if (parsed.length === 0 || parsed[0].text === '') return { error: 'the command is empty; name the program to run first' };
  for (const w of parsed) {
    if (SHELL_OPERATOR.test(w.text) && w.unquoted === w.text) return { error: `"${w.text}" is shell syntax, and no shell runs the command; ${HINT}` };
    if (UNQUOTED_SHELL_CHARS.test(w.unquoted))
      return { error: `"${w.text}" holds shell syntax (${w.unquoted.match(UNQUOTED_SHELL_CHARS)![0]}), and no shell runs the command; ${HINT}` };
    if (EXPANSION.test(w.unquoted) || EXPANSION.test(w.doubleQuoted)) {
      return {
        error: `"${w.text}" expects the shell to expand $… or \`…\`, and nothing is expanded (the instance gets PORT, SHIPGATE_VERSION and its config in its environment); ${HINT}`,
      };
    }
    if (w.unquoted.startsWith('~') && w.text.startsWith('~'))
      return { error: `"${w.text}" expects the shell to expand ~, and nothing is expanded; write the full path` };
    for (const m of w.text.matchAll(PLACEHOLDER_RE)) {
      if (!(PLACEHOLDERS as readonly string[]).includes(m[1]))
        return { error: `unknown placeholder {${m[1]}}; known: ${PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}` };
    }
  }
  // The program is the admin's choice: a release's values may be arguments, or a path under a
  // fixed prefix, but never the whole program name.
  if (parsed[0].text.startsWith('{'))
    return { error: 'the program (first word) must not start with a placeholder; put {artifact} or {version} in an argument or after a fixed folder' };
  return { argv: parsed.map((w) => w.text) };
}

/** Whether a template substitutes `name` anywhere. */
export function usesPlaceholder(argv: readonly string[], name: Placeholder): boolean {
  return argv.some((a) => a.includes(`{${name}}`));
}

/** Substitutes placeholders inside each argument; one argument in, one argument out. */
export function renderCommand(argv: readonly string[], values: TemplateValues): string[] {
  return argv.map((a) =>
    a.replace(PLACEHOLDER_RE, (whole, name: string) => ((PLACEHOLDERS as readonly string[]).includes(name) ? values[name as Placeholder] : whole)),
  );
}
