import type { Principal } from '../auth/roles';
import type { Authorization, Authorizer } from '../core/hooks';
import type { GateContext } from '../core/kinds';
import { stringify } from 'yaml';
import { InputError, RefusedError, type Issue } from '../core/errors';
import type { EgressPolicy } from '../egress/egress-policy';
import { expandSequences, formatPath, parseDocuments, type Manifest } from '../core/manifest';
import type { KindDefinition, KindRegistry } from '../core/kinds';
import { RESOURCE_CHANGED, type EventBus } from '../core/events';
import { transaction, type Db } from '../store/db';
import { manifestHash, type PutResult, type ResourceStore } from './resource-store';
import { lineDiff } from './line-diff';
import { isSecretMarker, redactManifest, restoreSecrets, secretLeaves, secretMarkerWith, seesSecrets, type SecretMarker } from './secrets';

export interface SourceFile {
  /** Path as the user named it; used in error messages. */
  name: string;
  content: string;
}

export interface ApplyResult {
  apiVersion: string;
  kind: string;
  name: string;
  action: PutResult;
}

export interface DiffEntry {
  apiVersion: string;
  kind: string;
  name: string;
  action: 'create' | 'update' | 'unchanged';
  /** Unified line diff of the YAML forms; empty when unchanged. */
  diff: string[];
}

interface Checked {
  def: KindDefinition;
  manifest: Manifest;
}

/**
 * Applies manifests atomically: every document of every file is parsed and validated first; any
 * issue refuses the whole batch; otherwise all are written in one transaction.
 */
export class ApplyService {
  constructor(
    private readonly db: Db,
    private readonly kinds: KindRegistry,
    private readonly resources: ResourceStore,
    private readonly events: EventBus,
    private readonly egress?: EgressPolicy,
    private readonly authorizer: () => Authorizer | undefined = () => undefined,
    private readonly mark: SecretMarker = secretMarkerWith(undefined),
  ) {}

  /**
   * Parses and validates; throws an InputError listing every issue found with its location.
   * With `actor`, kinds may also refuse what that actor's role may not change (a DomainError).
   */
  async check(files: SourceFile[], actor?: Principal): Promise<Checked[]> {
    if (files.length === 0) throw new InputError('no files given');
    const issues: Issue[] = [];
    const checked: (Checked & { file: string; locate: (p: (string | number)[]) => { line: number; column: number } })[] = [];
    for (const f of files) {
      let docs: ReturnType<typeof expandSequences>;
      try {
        docs = expandSequences(parseDocuments(f.content, f.name));
      } catch (e) {
        if (e instanceof InputError) {
          issues.push(...e.issues);
          continue;
        }
        throw e;
      }
      if (docs.length === 0) issues.push({ file: f.name, line: 1, column: 1, path: '', message: 'no documents in file' });
      for (const d of docs) {
        const r = this.kinds.check(d);
        issues.push(...r.issues);
        if (!r.manifest || !r.def) continue;
        let manifest = r.manifest;
        // A manifest read back redacted and applied again keeps the stored secrets.
        if (secretLeaves(r.def, manifest).some((l) => isSecretMarker(l.value))) {
          const stored = (await this.resources.get(manifest.apiVersion, manifest.kind, manifest.metadata.name))?.manifest;
          const restored = restoreSecrets(r.def, manifest, stored, this.mark);
          for (const { at, ...i } of restored.issues) {
            let where: { line?: number; column?: number } = {};
            try {
              where = d.locate(at);
            } catch {
              where = {};
            }
            issues.push({ file: d.file, ...where, ...i });
          }
          manifest = restored.manifest;
        }
        checked.push({ def: r.def, manifest, file: d.file, locate: d.locate });
      }
    }
    // Positions are computed only for the duplicates found (locating re-parses the file).
    const seen = new Map<string, (typeof checked)[number]>();
    for (const c of checked) {
      const key = `${c.manifest.apiVersion}/${c.manifest.kind}/${c.manifest.metadata.name}`;
      const first = seen.get(key);
      if (first) {
        const where = `${first.file}:${first.locate(['metadata', 'name']).line}`;
        issues.push({
          file: c.file,
          ...c.locate(['metadata', 'name']),
          path: 'metadata.name',
          message: `${c.manifest.kind} "${c.manifest.metadata.name}" is also defined at ${where}`,
        });
      } else seen.set(key, c);
    }
    if (issues.length === 0) {
      const batch = new Map(checked.map((c) => [`${c.def.kind}/${c.manifest.metadata.name}`, c.manifest]));
      const stored = async (kindName: string, name: string) => {
        const def = this.kinds.lookup(kindName);
        return (await this.resources.get(def.apiVersion, def.kind, name))?.manifest;
      };
      const ctx = {
        find: async (kindName: string, name: string) => batch.get(`${this.kinds.lookup(kindName).kind}/${name}`) ?? (await stored(kindName, name)),
        stored,
        actor,
      };
      for (const c of checked) {
        if (!c.def.validate) continue;
        for (const i of await c.def.validate(c.manifest, ctx)) {
          const path = i.path
            .split(/\.|\[|\]/)
            .filter(Boolean)
            .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
          issues.push({ ...c.locate(path), ...i, file: c.file });
        }
      }
    }
    if (issues.length) {
      throw new InputError(`${issues.length} problem${issues.length > 1 ? 's' : ''} found; nothing was applied`, issues);
    }
    this.checkEgress(checked);
    return checked;
  }

  /** Every outbound URL of the batch against the egress policy (apply time: literal host or name). */
  private checkEgress(checked: (Checked & { file: string; locate: (p: (string | number)[]) => { line: number; column: number } })[]): void {
    if (!this.egress) return;
    const denied: Issue[] = [];
    for (const c of checked) {
      for (const t of c.def.egressUrls?.(c.manifest) ?? []) {
        const v = this.egress.checkUrl(t.purpose, t.url);
        if (v.allowed) continue;
        let where: { line?: number; column?: number } = {};
        try {
          where = c.locate(t.at);
        } catch {
          where = {};
        }
        denied.push({ file: c.file, ...where, path: formatPath(t.at), message: v.reason });
      }
    }
    if (denied.length) {
      throw new RefusedError(
        'EGRESS_DENIED',
        `${denied.length} outbound address${denied.length > 1 ? 'es' : ''} refused by the egress policy; nothing was applied`,
        { issues: denied },
      );
    }
  }

  /** Checks as `actor` (kinds may refuse what its role may not change), asks the gate, then writes every manifest in one transaction. */
  async apply(files: SourceFile[], actor: Principal): Promise<ApplyResult[]> {
    const checked = await this.check(files, actor);
    // Before the transaction: the gate reads error budgets, which may ask a metric source.
    const grants = await this.authorize(checked, actor);
    const results = await transaction(this.db, async (trx) => {
      const actions = await this.resources.putMany(
        trx,
        checked.map((c) => c.manifest),
        actor.user,
      );
      for (const g of grants) await g.auth.claim(trx, g.id, { complete: true });
      return checked.map(
        (c, i): ApplyResult => ({ apiVersion: c.manifest.apiVersion, kind: c.manifest.kind, name: c.manifest.metadata.name, action: actions[i] }),
      );
    });
    for (const r of results) {
      if (r.action !== 'unchanged') {
        this.events.emit(RESOURCE_CHANGED, { apiVersion: r.apiVersion, kind: r.kind, name: r.name, action: r.action });
      }
    }
    return results;
  }

  /** Asks the one authorisation path for every change a manifest of a gated kind makes. */
  private async authorize(checked: Checked[], actor: Principal): Promise<{ id: string; auth: Authorization }[]> {
    const authorizer = this.authorizer();
    const gated = checked.filter((c) => c.def.gate);
    if (!authorizer || gated.length === 0) return [];
    const ctx = this.gateContext();
    const out: { id: string; auth: Authorization }[] = [];
    for (const c of gated) {
      const m = c.manifest;
      const prev = (await this.resources.get(m.apiVersion, m.kind, m.metadata.name))?.manifest;
      if (prev && manifestHash(prev) === manifestHash(m)) continue;
      for (const { action, ...subject } of await c.def.gate!(m, prev, ctx)) {
        out.push({ id: `apply:${m.kind}/${m.metadata.name}`, auth: await authorizer.authorize(action, subject, actor) });
      }
    }
    return out;
  }

  private gateContext(): GateContext {
    return {
      list: async (kind) => {
        const def = this.kinds.lookup(kind);
        return (await this.resources.list(def.apiVersion, def.kind)).map((r) => r.manifest);
      },
    };
  }

  /**
   * What applying would change. For a `reader` who is not an admin, secret fields of both sides
   * are shown as their markers (a changed secret still shows as a changed marker line).
   */
  async diff(files: SourceFile[], reader?: Principal): Promise<DiffEntry[]> {
    const checked = await this.check(files);
    const out: DiffEntry[] = [];
    const show = (def: KindDefinition, m: Manifest) => (seesSecrets(reader) ? m : redactManifest(def, m, this.mark));
    for (const c of checked) {
      const m = c.manifest;
      const existing = await this.resources.get(m.apiVersion, m.kind, m.metadata.name);
      const action = !existing ? 'create' : existing.hash === manifestHash(m) ? 'unchanged' : 'update';
      out.push({
        apiVersion: m.apiVersion,
        kind: m.kind,
        name: m.metadata.name,
        action,
        diff: action === 'unchanged' ? [] : lineDiff(existing ? stringify(show(c.def, existing.manifest)) : '', stringify(show(c.def, m))),
      });
    }
    return out;
  }

  async delete(kindName: string, name: string, actor: Principal): Promise<boolean> {
    const def = this.kinds.lookup(kindName);
    const prev = def.gate ? (await this.resources.get(def.apiVersion, def.kind, name))?.manifest : undefined;
    const grants: Authorization[] = [];
    const authorizer = this.authorizer();
    if (prev && def.gate && authorizer) {
      for (const { action, ...subject } of await def.gate(undefined, prev, this.gateContext())) grants.push(await authorizer.authorize(action, subject, actor));
    }
    const deleted = await transaction(this.db, async (trx) => {
      const d = await this.resources.delete(trx, def.apiVersion, def.kind, name, actor.user);
      for (const g of grants) await g.claim(trx, `delete:${def.kind}/${name}`, { complete: true });
      return d;
    });
    if (deleted) this.events.emit(RESOURCE_CHANGED, { apiVersion: def.apiVersion, kind: def.kind, name, action: 'deleted' });
    return deleted;
  }
}
