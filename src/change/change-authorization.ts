/**
 * HOOKS.changeAuthorization: `shipgate release` asks here before a rollout starts. A release
 * links to the change request named, or to the open one for the same service, environment and
 * version, or creates one: a standard (pre-approved) change when no approval policy rule matches
 * the service, a normal change waiting for its approvals otherwise.
 */
import type { ChangeAuthorization } from '../core/hooks';
import type { Principal } from '../auth/roles';
import { isDomainError } from '../core/errors';
import type { ChangeService } from './change-service';
import { loadFacts } from './change-facts';
import type { ChangeRequest } from './change-store';

export function changeAuthorization(svc: ChangeService): ChangeAuthorization {
  async function startImplementation(c: ChangeRequest, actor: Principal): Promise<{ allowed: boolean; changeId: string; reason: string }> {
    if (c.state === 'implement') return { allowed: true, changeId: c.id, reason: `change request ${c.id} is being implemented` };
    if (c.state !== 'scheduled') {
      const v = await svc.view(c.id);
      const waiting = (v.approvalStatus?.requirements ?? []).filter((r) => !r.met).map((r) => `${r.count - r.approvers.length} from ${r.group ?? 'peers'}`);
      return { allowed: false, changeId: c.id, reason: `change request ${c.id} is in ${c.state}${waiting.length ? `; awaiting approval: ${waiting.join(', ')}` : ''}` };
    }
    try {
      await svc.implement(c.id, actor);
      return { allowed: true, changeId: c.id, reason: `change request ${c.id} is authorised; implementation started` };
    } catch (e) {
      if (isDomainError(e)) return { allowed: false, changeId: c.id, reason: e.message };
      throw e;
    }
  }

  return {
    async authorizeRelease(input) {
      if (input.changeId) {
        const c = await svc.store.get(input.changeId);
        if (c.service !== input.service || c.environment !== input.environment) {
          return { allowed: false, changeId: c.id, reason: `change request ${c.id} is for ${c.service}/${c.environment}, not ${input.service}/${input.environment}` };
        }
        return startImplementation(c, input.actor);
      }
      const open = await svc.store.list({ service: input.service, environment: input.environment, states: ['new', 'assess', 'authorize', 'scheduled', 'implement'] });
      const linked = open.find((c) => c.version === input.version);
      if (linked) return startImplementation(linked, input.actor);

      const facts = await loadFacts(svc.ctx);
      const input0 = { service: input.service, environment: input.environment, title: `release ${input.service} ${input.version}`, version: input.version, kind: 'code' as const };
      const preview = await svc.assess({ ...svc.draft({ ...input0, type: 'normal' }, input.actor, facts), id: '' }, facts);
      // No approval policy rule matches: the release runs as a standard, pre-approved change.
      const type = preview.requirements!.matched.length === 0 ? ('standard' as const) : ('normal' as const);
      const created = await svc.create({ ...input0, type }, input.actor);
      const submitted = await svc.submit(created.id, input.actor);
      return startImplementation(submitted, input.actor);
    },

    async releaseFinished(input) {
      const actor: Principal = { tokenId: 'release', role: 'deployer', user: input.actor };
      await svc.complete(input.changeId, actor, { outcome: input.outcome });
    },
  };
}
