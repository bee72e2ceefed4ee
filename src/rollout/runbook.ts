/**
 * The manual runbook of a service's release: when the automatic path fails (a rollback that keeps
 * failing, a target Shipgate cannot reach, a migration that cannot be reversed), the exact steps
 * to put the serving revision back by hand — stop the release, start the serving revision's
 * instances with the target's own command, put all traffic on them, check — and whom to page.
 * Secret config values never appear: their keys are named, the values come from where they are
 * kept. Pure: the caller reads the run, revisions, instances and catalog.
 */
import { stringify } from 'yaml';
import { parseCommandTemplate, renderCommand } from '../targets/command-template';
import type { Revision } from './revision';
import type { RolloutSpec } from './rollout-spec';
import type { RunState } from './run-state';

export interface RunbookInput {
  service: string;
  environment: string;
  rollout: string;
  spec: RolloutSpec;
  /** The revision to restore: the one serving before the release (or serving now). */
  restore: Revision | null;
  /** The latest run, when there is one. */
  run: RunState | null;
  /** Backend name the route uses for `restore`, and its live instance URLs. */
  backend: string | null;
  instances: string[];
  owner?: string;
  oncall?: string;
  /** Verification evidence of the release's revision that found an irreversible change (a DROP). */
  irreversible: { kind: string; summary: string }[];
  /** The server's working folder process commands resolve against. */
  baseDir: string;
}

export interface RunbookStep {
  title: string;
  why: string;
  commands: string[];
}

export interface Runbook {
  service: string;
  environment: string;
  situation: string;
  restore: { revision: string; version: string } | null;
  steps: RunbookStep[];
  page: { owner: string | null; oncall: string | null };
}

const q = (s: string) => (/^[A-Za-z0-9_./:@%+=,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

export function buildRunbook(i: RunbookInput): Runbook {
  const env = `--env ${q(i.environment)}`;
  const r = i.run;
  const active = r && (r.phase === 'progressing' || r.phase === 'paused' || r.phase === 'rollingBack');
  const situation = !r
    ? `no release of ${i.service} in ${i.environment} yet`
    : `the latest release (${r.fromVersion ?? 'nothing'} → ${r.toVersion}, run ${r.id}) is ${r.phase}` +
      (r.rollback ? `; rollback (${r.rollback.reason}) at stage ${r.rollback.stage}: ${r.rollback.message}` : '') +
      (r.lastError ? `; last error: ${r.lastError}` : '');
  const steps: RunbookStep[] = [];
  if (active && r.phase !== 'rollingBack')
    steps.push({
      title: 'Stop the release',
      why: 'an abort restores the serving revision automatically when the target and the router answer',
      commands: [`shipgate rollout abort ${q(i.service)} ${env}`, `shipgate rollout status ${q(i.service)} ${env}`],
    });
  if (!i.restore) return { service: i.service, environment: i.environment, situation, restore: null, steps, page: page(i) };
  const v = i.restore;
  const t = i.spec.target;
  const readiness = t.readiness?.httpGet ?? '/healthz';
  if (t.type === 'process') {
    const parsed = parseCommandTemplate(t.command);
    const argv = 'argv' in parsed ? renderCommand(parsed.argv, { version: v.version, artifact: v.artifact }) : [];
    const cwd = t.cwd ? `${i.baseDir.replace(/\/+$/, '')}/${t.cwd}` : i.baseDir;
    const vars = Object.keys(v.config)
      .sort()
      .map((k) => (v.secretKeys.includes(k) ? `${k}="$${k}"` : `${k}=${q(v.config[k]!)}`));
    const secrets = v.secretKeys.length
      ? ` (export the secret${v.secretKeys.length > 1 ? 's' : ''} ${v.secretKeys.join(', ')} first, from where they are kept)`
      : '';
    steps.push({
      title: `Start ${t.replicas} instance${t.replicas > 1 ? 's' : ''} of ${v.id} (version ${v.version}) by hand, if none runs`,
      why: `the target's own command for the revision, one port per instance${secrets}`,
      commands: Array.from({ length: t.replicas }, (_, n) => {
        const port = 18_080 + n;
        return `(cd ${q(cwd)} && env PORT=${port} SHIPGATE_VERSION=${q(v.version)} ${vars.join(' ')}${vars.length ? ' ' : ''}${argv.map(q).join(' ')} &)`;
      }),
    });
  } else {
    const urls = t.endpoints[v.version] ?? [];
    steps.push({
      title: `Check the endpoints of version ${v.version} still serve`,
      why: 'a static target runs elsewhere: its instances must be up before traffic goes back',
      commands: urls.map((u) => `curl -fsS ${q(new URL(readiness, u).toString())}`),
    });
  }
  const urls = i.instances.length ? i.instances : t.type === 'process' ? Array.from({ length: t.replicas }, (_, n) => `http://127.0.0.1:${18_080 + n}`) : [];
  const route = {
    apiVersion: 'shipgate.dev/v1',
    kind: 'RouteTable',
    metadata: { name: `restore-${i.service}` },
    spec: { routes: [{ name: i.spec.route, backends: [{ version: i.backend ?? v.version, weight: 100, instances: urls }] }] },
  };
  steps.push({
    title: `Put all traffic on ${v.id}`,
    why: `the route ${i.spec.route} takes only the restored revision's instances; applying a route a Rollout manages is a gated change, so an emergency change (on-call) comes first`,
    commands: [
      `shipgate change create --service ${q(i.service)} ${env} --type emergency --kind config --title ${q(`restore ${i.service} ${v.version} by hand`)} --reason ${q(`automated rollback failed: ${r?.rollback?.message ?? r?.lastError ?? 'see rollout status'}`)}`,
      `cat > restore-${i.service}.yaml <<'EOF'\n${stringify(route).trimEnd()}\nEOF`,
      `shipgate apply -f restore-${i.service}.yaml`,
    ],
  });
  steps.push({
    title: 'Check',
    why: 'each instance answers its readiness path, and users reach the restored version',
    commands: [...urls.map((u) => `curl -fsS ${q(new URL(readiness, u).toString())}`), `shipgate rollout status ${q(i.service)} ${env}`],
  });
  if (i.irreversible.length)
    steps.push({
      title: 'Recover the data',
      why: `the release's migration cannot be reversed (${i.irreversible.map((x) => `${x.kind}: ${x.summary}`).join('; ')}): the old version may not run on the new schema`,
      commands: [
        '# restore the database from the latest backup taken before the migration, into a new database first:',
        'createdb restored && pg_restore --no-owner -d restored BACKUP.dump',
        '# check it, then point the restored revision at it (its config) before traffic goes back',
      ],
    });
  return { service: i.service, environment: i.environment, situation, restore: { revision: v.id, version: v.version }, steps, page: page(i) };
}

function page(i: RunbookInput): Runbook['page'] {
  return { owner: i.owner ?? null, oncall: i.oncall ?? null };
}

/** The runbook as Markdown, for a terminal, a notification or an incident. */
export function renderRunbook(b: Runbook): string {
  const lines = [`# Manual runbook: ${b.service} in ${b.environment}`, '', `Situation: ${b.situation}.`];
  if (b.restore) lines.push(`Restore: ${b.restore.revision} (version ${b.restore.version}).`);
  lines.push(`Page: on-call ${b.page.oncall ?? '(none declared)'}, owner ${b.page.owner ?? '(none declared)'}.`, '');
  b.steps.forEach((s, n) => {
    lines.push(`## ${n + 1}. ${s.title}`, '', s.why, '', '```sh', ...s.commands, '```', '');
  });
  if (!b.restore) lines.push('Nothing served before: there is no revision to restore.');
  return `${lines.join('\n').trimEnd()}\n`;
}
