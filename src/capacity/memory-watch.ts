/**
 * Memory after deploys: every `sampleMs` the resident memory of each live process-target instance
 * (HOOKS.instances, /proc) is stored per revision; every `checkMs` each service's latest revisions
 * are judged by leak.ts — per instance, a revision leaking when most instances with enough
 * blocks do, faster than the revision before it — and a new leak becomes a finding on the
 * release: stored, audited (`capacity.memoryLeak`) and sent as a warning to every
 * AlertNotificationTarget with a delivery URL (Alertmanager webhook format), in one transaction.
 * A Rollout with the `memoryLeak` rollback trigger reads the finding (HOOKS.memoryFindings).
 */
import type { ServerContext } from '../core/capability';
import { alertmanagerWebhook } from '../core/alertmanager-webhook';
import { HOOKS, type MemoryFindings } from '../core/hooks';
import { transaction } from '../store/db';
import { detectLeak, type LeakVerdict } from './leak';
import type { MemoryFinding, MemoryStore } from './memory-store';
import { readRssBytes } from './rss';

export interface MemoryOptions {
  /** Time between samples, ms; 0 turns sampling off. Default 15 s. */
  sampleMs?: number;
  /** Time between leak checks, ms. Default 60 s. */
  checkMs?: number;
  /** leak.ts block length, ms. Default 60 s. */
  blockMs?: number;
  /** Blocks before a verdict. Default 10. */
  minBlocks?: number;
  /** Samples of an instance's first this long are left out: a process warming up grows without leaking. Default 2 min. */
  warmupMs?: number;
  /** Slower than this is no leak, bytes/min. Default 256 KiB/min (leak.ts). */
  minSlopeBytesPerMinute?: number;
}

export interface InstanceMemory {
  instance: string;
  samples: number;
  lastBytes: number;
  verdict: LeakVerdict;
}

export interface RevisionMemory {
  revision: string;
  firstMs: number;
  lastMs: number;
  /** Still sampled: it has live instances. */
  live: boolean;
  instances: InstanceMemory[];
  /** Median slope of the instances with a verdict, bytes/min; null before any. */
  slopeBytesPerMinute: number | null;
  leak: boolean;
  reason: string;
  finding?: MemoryFinding;
}

export interface MemoryView {
  service: string;
  environment: string;
  limitBytes: number | null;
  revisions: RevisionMemory[];
}

const OPENSLO_API_VERSION = 'openslo/v1';
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

export class MemoryWatch {
  readonly options: Required<MemoryOptions>;

  constructor(
    private readonly ctx: ServerContext,
    private readonly store: MemoryStore,
    o: MemoryOptions = {},
  ) {
    this.options = {
      sampleMs: o.sampleMs ?? 15_000,
      checkMs: o.checkMs ?? 60_000,
      blockMs: o.blockMs ?? 60_000,
      minBlocks: o.minBlocks ?? 10,
      warmupMs: o.warmupMs ?? 120_000,
      minSlopeBytesPerMinute: o.minSlopeBytesPerMinute ?? 256 * 1024,
    };
  }

  private async deployedServices(): Promise<{ service: string; environment: string }[]> {
    const d = this.ctx.services.get(HOOKS.deployments);
    if (!d) return [];
    const seen = new Map<string, { service: string; environment: string }>();
    for (const x of [...(await d.deployed()), ...(await d.rollouts())])
      seen.set(`${x.service}/${x.environment}`, { service: x.service, environment: x.environment });
    return [...seen.values()];
  }

  /** One round of samples of every live instance. */
  async sample(nowMs: number): Promise<number> {
    const instances = this.ctx.services.get(HOOKS.instances);
    if (!instances) return 0;
    const rows: Parameters<MemoryStore['insertSamples']>[0] = [];
    for (const { service, environment } of await this.deployedServices()) {
      for (const i of await instances.list({ service, environment })) {
        const bytes = await readRssBytes(i.pid);
        if (bytes !== undefined) rows.push({ service, environment, revision: i.revisionId, instance: i.id, t_ms: nowMs, bytes });
      }
    }
    await this.store.insertSamples(rows, nowMs);
    return rows.length;
  }

  /** The latest three revisions of a service with samples, the newest first, each judged against the one before it. */
  async view(service: string, environment: string): Promise<MemoryView> {
    const rollout = (await this.ctx.services.get(HOOKS.deployments)?.rollouts(environment))?.find((r) => r.service === service);
    const limitBytes = rollout?.memoryLimitBytes ?? null;
    const revs = (await this.store.revisions(service, environment)).slice(0, 3);
    const out: RevisionMemory[] = [];
    let previous: number | undefined;
    // Oldest first, so each revision is compared with the slope of the one before it.
    for (const r of [...revs].reverse()) {
      const byInstance = await this.store.samples(r.revision, r.firstMs);
      const instances: InstanceMemory[] = [...byInstance.entries()].map(([instance, all]) => {
        const samples = all.filter((x) => x.tMs >= all[0]!.tMs + this.options.warmupMs);
        return {
          instance,
          samples: samples.length,
          lastBytes: all.at(-1)!.bytes,
          verdict: detectLeak(samples, {
            blockMs: this.options.blockMs,
            minBlocks: this.options.minBlocks,
            minSlopeBytesPerMinute: this.options.minSlopeBytesPerMinute,
            ...(limitBytes !== null ? { limitBytes } : {}),
            ...(previous !== undefined ? { previousSlopeBytesPerMinute: previous } : {}),
          }),
        };
      });
      const judged = instances.filter((i) => Number.isFinite(i.verdict.slopeBytesPerMinute));
      const leaking = judged.filter((i) => i.verdict.leak);
      const leak = judged.length > 0 && leaking.length * 2 >= judged.length;
      const slope = judged.length ? median(judged.map((i) => i.verdict.slopeBytesPerMinute)) : null;
      const worst = [...leaking].sort((a, b) => b.verdict.slopeBytesPerMinute - a.verdict.slopeBytesPerMinute)[0];
      const finding = await this.store.finding(r.revision);
      out.push({
        revision: r.revision,
        firstMs: r.firstMs,
        lastMs: r.lastMs,
        live: r.lastMs >= this.ctx.clock.now() - 3 * Math.max(this.options.sampleMs, 1000),
        instances,
        slopeBytesPerMinute: slope,
        leak,
        reason: leak
          ? `${leaking.length} of ${judged.length} instances: ${worst!.verdict.reason}`
          : judged.length
            ? `${leaking.length} of ${judged.length} instances leak: ${judged[0]!.verdict.reason}`
            : (instances[0]?.verdict.reason ?? 'no samples'),
        ...(finding ? { finding } : {}),
      });
      // The next revision is compared with the last sound one, not with a leak that was found.
      if (slope !== null && !leak && !finding) previous = slope;
    }
    return { service, environment, limitBytes, revisions: out.reverse() };
  }

  /** Judges every deployed service; a new leak becomes a finding, audited and alerted in one transaction. */
  async check(nowMs: number): Promise<MemoryFinding[]> {
    const found: MemoryFinding[] = [];
    for (const { service, environment } of await this.deployedServices()) {
      const v = await this.view(service, environment);
      for (const r of v.revisions.filter((x) => x.leak && !x.finding)) {
        const slope = r.slopeBytesPerMinute!;
        const ttl = r.instances
          .map((i) => i.verdict.timeToLimitMs)
          .filter((t): t is number => t !== null)
          .sort((a, b) => a - b)[0];
        const f: MemoryFinding = {
          revision: r.revision,
          service,
          environment,
          detectedAtMs: nowMs,
          slopeBytesPerMinute: slope,
          timeToLimitMs: ttl ?? null,
          message: `memory leak in ${r.revision}: ${r.reason}`,
        };
        const targets = (await this.ctx.resources.list(OPENSLO_API_VERSION, 'AlertNotificationTarget'))
          .map((m) => m.manifest.metadata)
          .filter((m) => m.annotations?.['shipgate.dev/url'] && m.labels?.['shipgate.dev/capacity'] !== 'false');
        const outbox = this.ctx.services.get(HOOKS.outbox);
        const created = await transaction(this.ctx.db, async (trx) => {
          if (!(await this.store.insertFinding(trx, f))) return false;
          const sent: string[] = [];
          for (const t of outbox ? targets : [])
            sent.push(
              await outbox!.enqueue(trx, {
                kind: 'capacity.memory-leak',
                url: t.annotations!['shipgate.dev/url']!,
                payload: alertPayload(f, this.ctx.baseUrl()),
              }),
            );
          await this.ctx.audit.append(trx, {
            actor: 'shipgate',
            action: 'capacity.memoryLeak',
            kind: 'Revision',
            name: r.revision,
            details: { service, environment, slopeBytesPerMinute: slope, timeToLimitMs: f.timeToLimitMs, message: f.message, alerts: sent },
          });
          return true;
        });
        if (created) {
          found.push(f);
          outbox?.wake();
          this.ctx.log.warn({ revision: r.revision, service, environment }, f.message);
        }
      }
    }
    return found;
  }

  hook(): MemoryFindings {
    return { finding: (revision) => this.store.finding(revision) };
  }
}

/** Alertmanager webhook (version 4) body for one firing warning. */
function alertPayload(f: MemoryFinding, baseUrl: string) {
  return alertmanagerWebhook({
    alertname: 'MemoryLeak',
    severity: 'warning',
    labels: { service: f.service, environment: f.environment, revision: f.revision },
    summary: f.message,
    ...(f.timeToLimitMs !== null ? { description: `the memory limit is reached in about ${Math.round(f.timeToLimitMs / 60_000)} min` } : {}),
    startsAt: new Date(f.detectedAtMs).toISOString(),
    generatorURL: `${baseUrl}/api/v1/capacity/memory?service=${encodeURIComponent(f.service)}&environment=${encodeURIComponent(f.environment)}`,
    fingerprint: `memory-leak:${f.revision}`,
    baseUrl,
  });
}
