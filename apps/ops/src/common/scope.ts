import { BadRequestException } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';
import type { Caller } from '@app/platform';
import { PROVINCE_CODES, provinceName } from '@app/domain';

/**
 * Operations are national: an ops or auditor caller sees the cases of every province, whatever
 * province its token names. `?province=33` narrows an answer to cases where 33 is the residence or
 * the hukou side; `?province=mine` narrows it to the caller's own `scope.province`.
 */
export class ProvinceScopeQuery {
  @ApiPropertyOptional({
    description:
      'Only cases where this province is the residence or the hukou side: a 2-digit code, or "mine" for the province in the caller\'s token (scope.province). Default: all provinces.',
    example: '31',
  })
  @IsOptional()
  @Matches(/^(\d{2}|mine)$/, { message: 'province must be a 2-digit province code or "mine"' })
  province?: string;
}

/** The province an answer is narrowed to, or null for the whole country. */
export function scopedProvince(caller: Caller, query: ProvinceScopeQuery): string | null {
  if (!query.province) return null;
  const code = query.province === 'mine' ? caller.province : query.province;
  if (!PROVINCE_CODES.includes(code)) {
    const message = `province ${code} is not one of the 31 provincial-level divisions`;
    throw new BadRequestException({
      error: 'Bad Request',
      message,
      details: [{ field: 'province', rule: 'province.known', message }],
    });
  }
  return code;
}

/** 浙江省 for 33; the code itself if the division data does not know it. */
export function provinceLabel(code: string): string {
  try {
    return provinceName(code, 'province');
  } catch {
    return code;
  }
}

/**
 * SQL condition narrowing `intake.cases` (alias `c`) to a province, with its parameter appended to
 * `params`; `TRUE` for the whole country.
 */
export function provinceCondition(province: string | null, params: unknown[]): string {
  if (province === null) return 'TRUE';
  params.push(province);
  const n = params.length;
  return `(c.residence_province = $${n} OR c.hukou_province = $${n})`;
}
