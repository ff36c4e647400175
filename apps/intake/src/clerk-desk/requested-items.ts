import type { CaseEntity, SubmittedSupplement } from '../case/case.entity';
import { unprocessable } from '../common/http-problems';

/** What a clerk answers to the hukou side's supplement request, item by item. */
export interface AnsweredItem {
  code: string;
  note?: string;
}

/**
 * Every requested item must be answered, and only requested items, each once. `mustBring` checks
 * what an item must come with (a new photo for PHOTO_OUTDATED, say) and throws a 422 if it is
 * missing. Returns the submitted items of this round.
 */
export function matchRequestedItems(
  c: CaseEntity,
  items: AnsweredItem[],
  now: Date,
  mustBring?: (code: string, index: number) => void,
): SubmittedSupplement[] {
  const requested = new Map(c.supplementRequested.map((item) => [item.code, item]));
  const seen = new Set<string>();
  const out = items.map((item, i) => {
    const asked = requested.get(item.code);
    if (!asked) {
      throw unprocessable(
        `items[${i}].code`,
        'supplement.notRequested',
        `items[${i}].code: ${item.code} was not requested (requested: ${[...requested.keys()].join(', ')})`,
      );
    }
    if (seen.has(item.code)) {
      throw unprocessable(
        `items[${i}].code`,
        'supplement.duplicate',
        `items[${i}].code: ${item.code} is listed twice`,
      );
    }
    seen.add(item.code);
    mustBring?.(item.code, i);
    return {
      code: item.code,
      description: item.note?.trim() || asked.description,
      submittedAt: now.toISOString(),
      round: c.reviewRound,
    };
  });
  const missing = [...requested.keys()].filter((code) => !seen.has(code));
  if (missing.length) {
    throw unprocessable(
      'items',
      'supplement.missing',
      `items: the hukou side also asked for ${missing.join(', ')}`,
    );
  }
  return out;
}
