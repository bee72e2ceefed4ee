/**
 * Reads error budget facts out of the SLO release gate's decision details, whatever their exact
 * shape: the smallest budget remaining and the largest burn rate found anywhere in them. Pure.
 */

export interface BudgetFacts {
  /** Fraction of the error budget left (1 = untouched, ≤ 0 = spent). */
  budgetRemainingFraction?: number;
  /** Largest current burn rate. */
  burnRate?: number;
  decision?: string;
  reason?: string;
}

export function extractBudget(details: unknown): BudgetFacts {
  let budget: number | undefined;
  let burn: number | undefined;
  const walk = (v: unknown, depth: number): void => {
    if (depth > 6 || v === null || typeof v !== 'object') return;
    if (Array.isArray(v)) return v.forEach((x) => walk(x, depth + 1));
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (typeof x === 'number' && Number.isFinite(x)) {
        if (/^budget_?remaining(_?fraction)?$/i.test(k)) budget = budget === undefined ? x : Math.min(budget, x);
        else if (/^burn_?rate$/i.test(k)) burn = burn === undefined ? x : Math.max(burn, x);
      } else walk(x, depth + 1);
    }
  };
  walk(details, 0);
  return { ...(budget !== undefined ? { budgetRemainingFraction: budget } : {}), ...(burn !== undefined ? { burnRate: burn } : {}) };
}
