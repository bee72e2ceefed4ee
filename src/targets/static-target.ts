import type { Revision } from '../core/revision';
import type { DeployTarget, Instance, RevisionHealth } from './deploy-target';
import { TargetError } from './deploy-target';
import { probeHttp, sleep } from './http-probe';
import type { StaticTargetSpec } from './target-spec';
import { approvedUrls, artifactUrls, normalUrl } from './artifact-reference';

/**
 * Versions already running elsewhere at known URLs: deploying only checks them (readiness when
 * configured) and the rollout moves traffic. Teardown forgets them; nothing is stopped.
 * The URLs come from the revision's artifact (space- or comma-separated URLs, each one the admin
 * listed in the spec's `endpoints`) or the spec's `endpoints[version]`.
 */
export class StaticTarget implements DeployTarget {
  private readonly desired = new Map<string, number>();

  constructor(private readonly spec: StaticTargetSpec) {}

  urls(revision: Revision): string[] {
    const fromArtifact = artifactUrls(revision.artifact);
    // Checked when released too; a revision stored before that check (or an endpoint an admin
    // removed since) must still not send users to an address nobody approved.
    const approved = approvedUrls(this.spec.endpoints);
    const stray = fromArtifact.find((u) => !approved.has(normalUrl(u) ?? u));
    if (stray) throw new TargetError(`${revision.id}: artifact URL "${stray}" is not listed in spec.target.endpoints`);
    const urls = fromArtifact.length ? fromArtifact : (this.spec.endpoints[revision.version] ?? []);
    if (!urls.length)
      throw new TargetError(`no URL for version "${revision.version}": set spec.target.endpoints.${revision.version} or release with an artifact URL`);
    return urls;
  }

  async deploy(revision: Revision, replicas: number): Promise<Instance[]> {
    const urls = this.urls(revision);
    this.desired.set(revision.id, Math.min(replicas, urls.length));
    const r = this.spec.readiness;
    if (r && replicas > 0) {
      const deadline = Date.now() + r.timeout;
      for (;;) {
        const ok = await Promise.all(urls.map((u) => probeHttp(new URL(r.httpGet, u).toString(), 1000)));
        if (ok.every(Boolean)) break;
        if (Date.now() > deadline) throw new TargetError(`${revision.id}: ${ok.filter((x) => !x).length} URL(s) not ready after ${r.timeout} ms`);
        await sleep(100);
      }
    }
    return this.instances(revision);
  }

  async instances(revision: Revision): Promise<Instance[]> {
    const n = this.desired.get(revision.id) ?? 0;
    if (n === 0) return [];
    return this.urls(revision)
      .slice(0, n)
      .map((url, i) => ({ id: `${revision.id}#${i}`, revisionId: revision.id, version: revision.version, url, ready: true }));
  }

  async health(revision: Revision): Promise<RevisionHealth> {
    const n = this.desired.get(revision.id) ?? 0;
    return { desired: n, ready: n, restarts: 0, failed: false };
  }

  async teardown(revision: Revision): Promise<void> {
    this.desired.delete(revision.id);
  }

  async close(): Promise<void> {}
}
