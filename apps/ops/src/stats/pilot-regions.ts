import type { PilotSchedule } from '@app/domain';

export interface RegionRef {
  id: string;
  name: string;
  provinces: string[];
}

/** Cases whose two provinces are not in one pilot region (national scope, or none). */
export const OTHER_REGION: Readonly<RegionRef> = Object.freeze({
  id: 'other',
  name: '其他',
  provinces: [],
});

/**
 * The pilot regions of the schedule (京津冀, 长三角, 闽赣, 粤湘, 川渝黔 in the bundled data), then
 * "other". A route belongs to a region when both its residence and its hukou province are in it:
 * the pilot served routes within a region only, so a route across two regions (or involving a
 * province in none) counts as "other" — it opened with the national scope.
 */
export class PilotRegions {
  readonly regions: readonly RegionRef[];
  private readonly byProvince = new Map<string, RegionRef[]>();

  constructor(schedule: Pick<PilotSchedule, 'regions'>) {
    this.regions = schedule.regions.map((r) => ({
      id: r.id,
      name: r.name,
      provinces: [...r.provinces],
    }));
    for (const region of this.regions)
      for (const p of region.provinces)
        this.byProvince.set(p, [...(this.byProvince.get(p) ?? []), region]);
  }

  /** The region serving residence → hukou, or OTHER_REGION. */
  regionOf(residence: string, hukou: string): RegionRef {
    const candidates = this.byProvince.get(residence) ?? [];
    return candidates.find((r) => r.provinces.includes(hukou)) ?? OTHER_REGION;
  }

  /** Every region in schedule order, then "other". */
  all(): RegionRef[] {
    return [...this.regions, OTHER_REGION];
  }
}
