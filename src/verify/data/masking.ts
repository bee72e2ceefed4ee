/**
 * Column masking for `data sync` (pure). Rules: `hash` (HMAC-SHA256 of the value under the run's
 * key, hex, truncated to the column's length; a uuid column gets the first 128 bits as a uuid),
 * `email` (`user<hash8>@example.invalid`, lengthened on a collision so distinct inputs stay
 * distinct), `null`, `keep`, `fixed:VALUE`. The same value under the same key masks the same in
 * every table, so joins on masked values still match.
 *
 * Key columns (in a primary key or either side of a foreign key): only `hash`, `email` or `keep`,
 * and every column a foreign key links to a masked one gets the same rule (propagated, with the
 * shortest length of the linked columns), so references still resolve in the target. Conflicting
 * rules on linked columns, `null` on a NOT NULL column, `hash` on a column that cannot hold hex,
 * `email` on a column too short for one: refused before anything is read or written.
 */
import { createHmac } from 'node:crypto';
import { InputError, type Issue } from '../../core/errors';
import type { ColumnInfo, DbSchema } from './pg-schema';
import type { Row } from './closure';

export type MaskRule = { kind: 'hash' } | { kind: 'email' } | { kind: 'null' } | { kind: 'keep' } | { kind: 'fixed'; value: string };

/** `table.column=rule` as given on the command line, before it is checked against the schema. */
export interface MaskSpec {
  table: string;
  column: string;
  rule: MaskRule;
  /** The option text, for error messages. */
  text: string;
}

const EMAIL_DOMAIN = '@example.invalid';
/** Shortest email mask: `user` + 8 hex + the domain. */
export const EMAIL_MIN_LENGTH = 4 + 8 + EMAIL_DOMAIN.length;

export function parseMaskRule(text: string, where: string): MaskRule {
  if (text === 'hash' || text === 'email' || text === 'null' || text === 'keep') return { kind: text };
  if (text.startsWith('fixed:')) return { kind: 'fixed', value: text.slice('fixed:'.length) };
  throw new InputError(`${where}: unknown mask rule "${text}"; use hash, email, null, keep or fixed:VALUE`);
}

/** `table.column=rule` or `schema.table.column=rule`; the table as the user names it (default schema public). */
export function parseMaskSpec(text: string): MaskSpec {
  const eq = text.indexOf('=');
  const target = eq < 0 ? '' : text.slice(0, eq);
  const dot = target.lastIndexOf('.');
  if (eq < 0 || dot <= 0 || dot === target.length - 1) throw new InputError(`--mask ${text}: expected table.column=rule (schema.table.column=rule)`);
  const table = target.slice(0, dot);
  return {
    table: table.includes('.') ? table : `public.${table}`,
    column: target.slice(dot + 1),
    rule: parseMaskRule(text.slice(eq + 1), `--mask ${text}`),
    text,
  };
}

/** The rule a column ends up with, and the length its hash is cut to. */
export interface ColumnMask {
  rule: MaskRule;
  /** Characters of hex a `hash` keeps (the shortest declared length among linked key columns); null: all 64. */
  hashLength: number | null;
  uuid: boolean;
  /** True when the rule came from a linked key column, not from --mask. */
  propagated: boolean;
}

/** Masks per table key, then per column name; only masked columns are present. */
export type MaskPlan = Map<string, Map<string, ColumnMask>>;

const colId = (table: string, column: string) => `${table}\u0000${column}`;

/**
 * Checks the --mask options against the source schema and the tables copied, and propagates key
 * masks along foreign keys. Throws InputError listing every problem.
 */
export function planMasks(schema: DbSchema, copied: string[], specs: MaskSpec[]): MaskPlan {
  const issues: Issue[] = [];
  const inCopy = new Set(copied);
  const explicit = new Map<string, MaskSpec>();
  for (const s of specs) {
    const t = schema.tables.get(s.table);
    if (!t) issues.push({ path: '--mask', message: `${s.text}: no table ${s.table} in the source` });
    else if (!inCopy.has(s.table))
      issues.push({ path: '--mask', message: `${s.text}: ${s.table} is not copied (not in --tables nor pulled in by a foreign key)` });
    else if (!t.columns.some((c) => c.name === s.column)) issues.push({ path: '--mask', message: `${s.text}: ${s.table} has no column ${s.column}` });
    else if (explicit.has(colId(s.table, s.column))) issues.push({ path: '--mask', message: `${s.text}: ${s.table}.${s.column} is masked twice` });
    else explicit.set(colId(s.table, s.column), s);
  }
  if (issues.length) throw new InputError('--mask: cannot apply the masks', issues);

  // linked key columns: union-find over every foreign key's column pairs, within the copied tables
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let p = parent.get(x) ?? x;
    if (p !== x) {
      p = find(p);
      parent.set(x, p);
    }
    return p;
  };
  const union = (a: string, b: string) => {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent.set(ra, rb);
  };
  const keyColumns = new Set<string>();
  for (const t of copied) for (const c of schema.tables.get(t)!.primaryKey) keyColumns.add(colId(t, c));
  for (const fk of schema.foreignKeys) {
    if (!inCopy.has(fk.child) || !inCopy.has(fk.parent)) continue;
    fk.childColumns.forEach((c, i) => {
      const a = colId(fk.child, c);
      const b = colId(fk.parent, fk.parentColumns[i]);
      keyColumns.add(a);
      keyColumns.add(b);
      union(a, b);
    });
  }
  const classes = new Map<string, string[]>();
  for (const k of keyColumns) {
    const r = find(k);
    let l = classes.get(r);
    if (!l) classes.set(r, (l = []));
    l.push(k);
  }
  const column = (id: string): { table: string; info: ColumnInfo } => {
    const [table, name] = id.split('\u0000');
    return { table, info: schema.tables.get(table)!.columns.find((c) => c.name === name)! };
  };
  const show = (id: string) => id.replace('\u0000', '.');
  const plan: MaskPlan = new Map();
  const set = (id: string, m: ColumnMask) => {
    const { table, info } = column(id);
    let p = plan.get(table);
    if (!p) plan.set(table, (p = new Map()));
    p.set(info.name, m);
  };
  const checkColumn = (id: string, rule: MaskRule, via: string): void => {
    const { info } = column(id);
    const name = show(id);
    if (rule.kind === 'null' && info.notNull)
      issues.push({ path: '--mask', message: `${via}: ${name} is NOT NULL; a null mask would be refused by the target` });
    if (rule.kind === 'hash' && info.category !== 'S' && info.typeName !== 'uuid')
      issues.push({ path: '--mask', message: `${via}: ${name} is ${info.type}; hash needs a text (varchar, char, text) or uuid column` });
    if (rule.kind === 'email') {
      if (info.category !== 'S') issues.push({ path: '--mask', message: `${via}: ${name} is ${info.type}; email needs a text column` });
      else if (info.maxLength !== null && info.maxLength < EMAIL_MIN_LENGTH)
        issues.push({ path: '--mask', message: `${via}: ${name} holds ${info.maxLength} characters; an email mask needs ${EMAIL_MIN_LENGTH}` });
    }
  };
  const done = new Set<string>();
  for (const members of classes.values()) {
    const rules = members.filter((m) => explicit.has(m)).map((m) => explicit.get(m)!);
    if (rules.length === 0) continue;
    members.forEach((m) => done.add(m));
    const kinds = new Set(rules.map((r) => r.rule.kind));
    const linked = members.map(show).join(', ');
    if (kinds.size > 1) {
      issues.push({
        path: '--mask',
        message: `${rules.map((r) => r.text).join(' and ')}: these key columns are linked by foreign keys (${linked}) and must be masked alike`,
      });
      continue;
    }
    const rule = rules[0].rule;
    if (rule.kind === 'keep') continue;
    if (rule.kind !== 'hash' && rule.kind !== 'email') {
      issues.push({
        path: '--mask',
        message: `${rules[0].text}: a key column (primary or foreign key: ${linked}) can only be masked with hash or email, which keep references intact`,
      });
      continue;
    }
    const lengths = members.map((m) => column(m).info.maxLength).filter((l): l is number => l !== null);
    const hashLength = lengths.length ? Math.min(...lengths) : null;
    const uuid = members.some((m) => column(m).info.typeName === 'uuid');
    if (uuid && !members.every((m) => column(m).info.typeName === 'uuid')) {
      issues.push({ path: '--mask', message: `${rules[0].text}: linked key columns ${linked} mix uuid and text types` });
      continue;
    }
    for (const m of members) {
      checkColumn(m, rule, rules[0].text);
      set(m, { rule, hashLength, uuid, propagated: !explicit.has(m) });
    }
  }
  for (const [id, s] of explicit) {
    if (done.has(id) || s.rule.kind === 'keep') continue;
    const { info } = column(id);
    checkColumn(id, s.rule, s.text);
    set(id, { rule: s.rule, hashLength: info.maxLength, uuid: info.typeName === 'uuid', propagated: false });
  }
  if (issues.length) throw new InputError('--mask: cannot apply the masks', issues);
  return plan;
}

/** Applies masks with one key; keeps the email map so equal inputs give equal, distinct inputs distinct outputs. */
export class Masker {
  private readonly emails = new Map<string, string>();
  private readonly emailsTaken = new Set<string>();

  /** `key`: the HMAC key (from --mask-key, or random per run). */
  constructor(private readonly key: Buffer | string) {}

  /** HMAC-SHA256 of `value`, 64 hex characters. */
  hmac(value: string): string {
    return createHmac('sha256', this.key).update(value, 'utf8').digest('hex');
  }

  hash(value: string, length: number | null, uuid: boolean): string {
    const h = this.hmac(value);
    if (uuid) return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
    return length === null ? h : h.slice(0, length);
  }

  /** `user<hash>@example.invalid`: 8 hex characters, more when another input already took those. */
  email(value: string): string {
    const known = this.emails.get(value);
    if (known) return known;
    const h = this.hmac(value);
    for (let n = 8; n <= h.length; n += 2) {
      const e = `user${h.slice(0, n)}${EMAIL_DOMAIN}`;
      if (!this.emailsTaken.has(e)) {
        this.emails.set(value, e);
        this.emailsTaken.add(e);
        return e;
      }
    }
    throw new Error('HMAC-SHA256 collision on a full digest');
  }

  value(m: ColumnMask, v: string | null): string | null {
    switch (m.rule.kind) {
      case 'keep':
        return v;
      case 'null':
        return null;
      case 'fixed':
        return m.rule.value;
      case 'hash':
        return v === null ? null : this.hash(v, m.hashLength, m.uuid);
      case 'email':
        return v === null ? null : this.email(v);
    }
  }

  /** A masked copy of `row` under `masks` (columns without a mask are kept). */
  row(masks: Map<string, ColumnMask> | undefined, row: Row): Row {
    if (!masks) return row;
    const out: Row = { ...row };
    for (const [c, m] of masks) if (c in out) out[c] = this.value(m, out[c]);
    return out;
  }
}
