import type { Capability, ServerContext } from '../core/capability';
import { HOOKS } from '../core/hooks';
import { analysisTemplateKind } from './analysis-kind';
import { analysisMigrations } from './analysis-store';
import { AnalysisService } from './analysis-service';
import { analysisRoutes } from './analysis-routes';
import { analysisCommands } from './analysis-cli';
import { countJudge } from './count-judge';

const services = new WeakMap<ServerContext, AnalysisService>();

function serviceOf(ctx: ServerContext): AnalysisService {
  let s = services.get(ctx);
  if (!s) {
    s = new AnalysisService(ctx);
    services.set(ctx, s);
  }
  return s;
}

/** Canary analysis: AnalysisTemplate, the judges, analysis runs and their intervals, replay. */
export const analysisCapability: Capability = {
  name: 'analysis',
  kinds: [analysisTemplateKind],
  migrations: analysisMigrations,
  init(ctx) {
    ctx.services.provide(HOOKS.analysisStep, serviceOf(ctx));
    ctx.services.provide(HOOKS.countJudge, countJudge(ctx));
  },
  routes(app, ctx) {
    analysisRoutes(app, ctx, serviceOf(ctx));
  },
  cli(program, cli) {
    analysisCommands(program, cli);
  },
};
