/**
 * "Can this revision be deployed to this environment?" from the contract verifications on record
 * (`pact` evidence: a provider revision verified against one consumer version's pact) and what
 * serves in the environment now. Pure, no I/O.
 *
 * Both directions, as a Pact broker's can-i-deploy does:
 * - as a **provider**, the revision must have a passing verification against the version of each
 *   consumer deployed in the environment;
 * - as a **consumer**, the version must have a passing verification by the revision of each
 *   provider deployed in the environment.
 * The pairs are those with a contract: a consumer and provider with any pact evidence between them.
 * A pair the catalog no longer declares (the consumer's declared dependencies omit the provider)
 * is left out; a declared dependency with no contract on record is listed, not blocking.
 */
import type { EvidenceRecord } from '../evidence';

/** What the matrix reads of one `pact` evidence record. */
export interface ContractVerification {
  evidenceId: string;
  provider: { service: string; version: string; artifact: string };
  consumer: { service: string; version: string };
  verdict: 'pass' | 'fail';
  summary: string;
  recordedAtMs: number;
}

export interface Deployed {
  service: string;
  version: string;
  artifact: string;
}

export type MatrixStatus = 'verified' | 'failing' | 'unverified' | 'not-deployed' | 'no-contract';

export interface MatrixRow {
  /** `consumer`: the other service consumes the revision; `provider`: the revision consumes it. */
  role: 'consumer' | 'provider';
  service: string;
  /** The other service's version serving in the environment; null when none serves there. */
  deployedVersion: string | null;
  status: MatrixStatus;
  /** True when this row stops the deployment. */
  blocking: boolean;
  evidenceId: string | null;
  message: string;
}

export interface Matrix {
  service: string;
  version: string;
  artifact: string;
  environment: string;
  verdict: 'pass' | 'fail';
  rows: MatrixRow[];
  /** One line for people. */
  summary: string;
}

/** The catalog's declared dependencies of a service; undefined when the catalog does not declare the service. */
export type DeclaredDependencies = (service: string) => readonly string[] | undefined;

/** Reads a pact evidence record; undefined for records stored before consumers were recorded. */
export function contractOf(r: EvidenceRecord): ContractVerification | undefined {
  if (r.kind !== 'pact' || !r.counterpart) return undefined;
  return {
    evidenceId: r.id,
    provider: { service: r.service, version: r.version, artifact: r.artifact },
    consumer: r.counterpart,
    verdict: r.verdict,
    summary: r.summary,
    recordedAtMs: r.recordedAtMs,
  };
}

function latest(vs: readonly ContractVerification[]): ContractVerification | undefined {
  let best: ContractVerification | undefined;
  for (const v of vs) if (!best || v.recordedAtMs > best.recordedAtMs || (v.recordedAtMs === best.recordedAtMs && v.evidenceId > best.evidenceId)) best = v;
  return best;
}

/**
 * The matrix for `subject` in `environment`. `verifications` must hold every pact verification
 * with the subject's service as provider or as consumer (any version); `deployed` what serves in
 * the environment.
 */
export function canIDeploy(
  subject: { service: string; version: string; artifact: string },
  environment: string,
  verifications: readonly ContractVerification[],
  deployed: readonly Deployed[],
  declared: DeclaredDependencies = () => undefined,
): Matrix {
  const serving = new Map(deployed.map((d) => [d.service, d]));
  const stillDeclared = (consumer: string, provider: string) => {
    const deps = declared(consumer);
    return deps === undefined || deps.includes(provider);
  };
  const rows: MatrixRow[] = [];
  const what = `${subject.service} ${subject.version}${subject.artifact ? ` (artifact ${subject.artifact})` : ''}`;

  // The revision as a provider: every consumer with a contract with it.
  const asProvider = verifications.filter((v) => v.provider.service === subject.service);
  const consumers = [...new Set(asProvider.map((v) => v.consumer.service))].filter((c) => c !== subject.service && stillDeclared(c, subject.service)).sort();
  for (const c of consumers) {
    const d = serving.get(c);
    if (!d) {
      rows.push({
        role: 'consumer',
        service: c,
        deployedVersion: null,
        status: 'not-deployed',
        blocking: false,
        evidenceId: null,
        message: `${c} does not serve in ${environment}`,
      });
      continue;
    }
    const v = latest(
      asProvider.filter(
        (x) =>
          x.consumer.service === c && x.consumer.version === d.version && x.provider.version === subject.version && x.provider.artifact === subject.artifact,
      ),
    );
    rows.push(
      rowOf('consumer', c, d.version, v, {
        unverified: `no pact verification of ${what} against consumer ${c} ${d.version} (serving in ${environment}): run \`shipgate verify pact ${c}-pact.json --provider URL --service ${subject.service} --version ${subject.version} --consumer ${c} --consumer-version ${d.version}\``,
        failing: `the latest pact verification of ${what} against consumer ${c} ${d.version} (serving in ${environment})`,
        verified: `${what} satisfies consumer ${c} ${d.version}`,
      }),
    );
  }

  // The revision as a consumer: every provider it has a contract with.
  const asConsumer = verifications.filter((v) => v.consumer.service === subject.service);
  const providers = [...new Set(asConsumer.map((v) => v.provider.service))].filter((p) => p !== subject.service && stillDeclared(subject.service, p)).sort();
  for (const p of providers) {
    const d = serving.get(p);
    if (!d) {
      rows.push({
        role: 'provider',
        service: p,
        deployedVersion: null,
        status: 'not-deployed',
        blocking: false,
        evidenceId: null,
        message: `${p} does not serve in ${environment}`,
      });
      continue;
    }
    const v = latest(
      asConsumer.filter(
        (x) => x.provider.service === p && x.provider.version === d.version && x.provider.artifact === d.artifact && x.consumer.version === subject.version,
      ),
    );
    rows.push(
      rowOf('provider', p, d.version, v, {
        unverified: `no pact verification of provider ${p} ${d.version} (serving in ${environment}) against ${subject.service} ${subject.version}'s pact: run \`shipgate verify pact ${subject.service}-pact.json --provider URL --service ${p} --version ${d.version}${d.artifact ? ` --artifact ${d.artifact}` : ''} --consumer ${subject.service} --consumer-version ${subject.version}\``,
        failing: `the latest pact verification of provider ${p} ${d.version} (serving in ${environment}) against ${subject.service} ${subject.version}'s pact`,
        verified: `provider ${p} ${d.version} satisfies ${subject.service} ${subject.version}`,
      }),
    );
  }

  // Declared dependencies without any contract on record: shown, never blocking.
  const contracted = new Set([...consumers, ...providers]);
  for (const p of declared(subject.service) ?? []) {
    if (contracted.has(p) || p === subject.service) continue;
    contracted.add(p);
    rows.push({
      role: 'provider',
      service: p,
      deployedVersion: serving.get(p)?.version ?? null,
      status: 'no-contract',
      blocking: false,
      evidenceId: null,
      message: `${subject.service} depends on ${p} but no pact between them is on record`,
    });
  }

  const blocking = rows.filter((r) => r.blocking);
  const verified = rows.filter((r) => r.status === 'verified').length;
  return {
    ...subject,
    environment,
    verdict: blocking.length ? 'fail' : 'pass',
    rows,
    summary: blocking.length
      ? `${what} cannot be deployed to ${environment}: ${blocking.length} of ${verified + blocking.length} contract(s) not verified (${blocking.map((r) => `${r.role} ${r.service} ${r.deployedVersion}: ${r.status}`).join(', ')})`
      : `${what} can be deployed to ${environment}: ${verified} contract(s) verified${rows.length > verified ? `, ${rows.length - verified} not applicable` : ''}`,
  };
}

function rowOf(
  role: 'consumer' | 'provider',
  service: string,
  deployedVersion: string,
  v: ContractVerification | undefined,
  text: { unverified: string; failing: string; verified: string },
): MatrixRow {
  if (!v) return { role, service, deployedVersion, status: 'unverified', blocking: true, evidenceId: null, message: text.unverified };
  if (v.verdict !== 'pass')
    return {
      role,
      service,
      deployedVersion,
      status: 'failing',
      blocking: true,
      evidenceId: v.evidenceId,
      message: `${text.failing} (${v.evidenceId}) failed: ${v.summary}`,
    };
  return { role, service, deployedVersion, status: 'verified', blocking: false, evidenceId: v.evidenceId, message: `${text.verified} (${v.evidenceId})` };
}
