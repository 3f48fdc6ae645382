import type { ModelPackage } from '../models/model-package.ts';
import { ruleFromCard, ruleMatches, type RoutingRule, type SeriesFacts } from './routing.ts';

/** A loaded model, how it is routed and whether it runs in shadow mode. */
export interface RegisteredModel {
  pkg: ModelPackage;
  rule: RoutingRule;
  /** Shadow: results stored and monitored, never changing triage. */
  shadow: boolean;
}

/** The models loaded side by side, and which of them read a series. */
export class ModelRegistry {
  private readonly byId = new Map<string, RegisteredModel>();

  /**
   * `testModelIds`: pipeline test models (card `routeByDefault: false`) to route anyway; any other
   * such model is loaded and listed but never reads a study.
   */
  constructor(
    packages: readonly ModelPackage[],
    shadowIds: readonly string[] = [],
    rules: readonly RoutingRule[] = [],
    private readonly testModelIds: readonly string[] = [],
  ) {
    for (const pkg of packages) {
      if (this.byId.has(pkg.card.id))
        throw new Error(`two model packages have id ${pkg.card.id}: ${this.byId.get(pkg.card.id)?.pkg.dir} and ${pkg.dir}`);
      const rule = rules.find((r) => r.modelId === pkg.card.id) ?? ruleFromCard(pkg.card);
      this.byId.set(pkg.card.id, { pkg, rule, shadow: shadowIds.includes(pkg.card.id) });
    }
  }

  /** Every loaded model, by id. */
  all(): RegisteredModel[] {
    return [...this.byId.values()].sort((a, b) => a.pkg.card.id.localeCompare(b.pkg.card.id));
  }

  /** Whether routing may send a series to this model at all. */
  routable(m: RegisteredModel): boolean {
    return m.pkg.card.applicability.routeByDefault || this.testModelIds.includes(m.pkg.card.id);
  }

  get(id: string): RegisteredModel | undefined {
    return this.byId.get(id);
  }

  /** Every model whose rule matches: live ones first, then shadow ones. */
  route(facts: SeriesFacts): RegisteredModel[] {
    return this.all()
      .filter((m) => this.routable(m) && ruleMatches(m.rule, facts))
      .sort((a, b) => Number(a.shadow) - Number(b.shadow) || a.pkg.card.id.localeCompare(b.pkg.card.id));
  }
}
