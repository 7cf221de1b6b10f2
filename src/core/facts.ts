// The Art. 15 facts a reply must state, and which of them the config leaves out. The reply says
// "not stated" for each one missing; `sources` and `export` name them on stderr so the controller
// can complete the config. Categories are not among them: the reply lists those of the records found.
import type { Art15Facts } from '../adapters/types.js';
import type { Controller } from './config.js';

/** The keys a source may state, in the order the reply shows them. */
export const FACT_KEYS = ['categories', 'purpose', 'legalBasis', 'recipients', 'retention', 'origin', 'transfers'] as const satisfies ReadonlyArray<
  keyof Art15Facts
>;

/** Facts every source's part of the reply needs (Art. 15(1)(a), (c)-(d), (g), 15(2), Art. 13(1)(c)). */
const REQUIRED_SOURCE_FACTS = ['purpose', 'legalBasis', 'recipients', 'retention', 'origin', 'transfers'] as const;

/** Facts about the controller that every reply needs (Art. 15(1)(f), 15(1)(h)). */
const REQUIRED_CONTROLLER_FACTS = ['supervisoryAuthority', 'automatedDecisions'] as const;

export function missingSourceFacts(facts: Art15Facts): string[] {
  return REQUIRED_SOURCE_FACTS.filter((k) => facts[k] === undefined);
}

export function missingControllerFacts(controller: Controller): string[] {
  return REQUIRED_CONTROLLER_FACTS.filter((k) => controller[k] === undefined);
}

/** One warning line per place with facts missing, for stderr; [] when the config states them all. */
export function missingFactWarnings(controller: Controller, sources: ReadonlyArray<{ name: string; facts: Art15Facts }>): string[] {
  const lines: string[] = [];
  const c = missingControllerFacts(controller);
  if (c.length > 0) lines.push(`controller: Art. 15 facts missing from the config (the reply says "not stated"): ${c.join(', ')}`);
  for (const s of sources) {
    const m = missingSourceFacts(s.facts);
    if (m.length > 0) lines.push(`${s.name}: Art. 15 facts missing from the config (the reply says "not stated"): ${m.join(', ')}`);
  }
  return lines;
}
