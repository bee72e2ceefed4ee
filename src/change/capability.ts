import type { Capability } from '../core/capability';
import { HOOKS } from '../core/hooks';
import { approvalPolicyKind, changeWindowKind, standardChangeTemplateKind } from './kinds';
import { changeMigrations } from './change-migrations';
import { ChangeService } from './change-service';
import { changeRoutes } from './change-routes';
import { changeCommands } from './change-cli';
import { changeReportCommands } from './change-report-cli';
import { createAuthorizer } from './authorizer';
import { emergencyNotice } from './emergency-notice';

const services = new WeakMap<object, ChangeService>();

/** Change governance: change requests, risk, approvals with segregation of duties, windows, DORA. */
export const changeCapability: Capability = {
  name: 'change',
  kinds: [approvalPolicyKind, changeWindowKind, standardChangeTemplateKind],
  migrations: changeMigrations,
  init(ctx) {
    const svc = new ChangeService(ctx);
    services.set(ctx, svc);
    ctx.services.provide(HOOKS.authorizer, createAuthorizer(svc, emergencyNotice(ctx)));
  },
  routes(app, ctx) {
    const svc = services.get(ctx) ?? new ChangeService(ctx);
    changeRoutes(app, ctx, svc);
  },
  cli(program, cli) {
    changeCommands(program, cli);
    changeReportCommands(program, cli);
  },
};
