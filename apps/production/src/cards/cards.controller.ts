import { Controller, ForbiddenException, Get, NotFoundException, Param } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ApiCallerAuth, ApiErrors, Caller, CurrentCaller, uuidParam } from '@app/platform';
import { CardAttempt } from './card-attempt.entity';
import { Card } from './card.entity';
import { CardView } from './dto/card-view.dto';

const READERS = new Set(['production', 'ops', 'auditor']);

/**
 * Read-only view of a case's card for the production centre and operations (not part of the clerk
 * contract): status, serial and every quality-check attempt; no personal fields.
 */
@ApiTags('production')
@ApiCallerAuth()
@Controller('api/v1/production/cards')
export class CardsController {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  @Get(':caseId')
  @ApiOperation({ summary: 'The card of a case and its production attempts' })
  @ApiParam({ name: 'caseId', format: 'uuid' })
  @ApiOkResponse({ type: CardView })
  @ApiErrors({
    400: 'caseId is not a UUID',
    403: 'Roles production, ops and auditor only',
    404: "No card for the case in the caller's province",
  })
  async get(
    @Param('caseId', uuidParam('caseId')) caseId: string,
    @CurrentCaller() caller: Caller,
  ): Promise<CardView> {
    if (!READERS.has(caller.role)) {
      throw new ForbiddenException({
        error: 'Forbidden',
        message: `role ${caller.role} may not read production records (production, ops or auditor)`,
      });
    }
    const card = await this.dataSource.getRepository(Card).findOne({ where: { caseId } });
    if (!card || card.province !== caller.province) {
      throw new NotFoundException({
        error: 'Not Found',
        message: `no card for case ${caseId} in province ${caller.province}`,
      });
    }
    const attempts = await this.dataSource
      .getRepository(CardAttempt)
      .find({ where: { cardId: card.id }, order: { attempt: 'ASC' } });
    return {
      caseId: card.caseId,
      serial: card.serial,
      status: card.status,
      province: card.province,
      acceptancePoint: card.acceptancePoint,
      issuingAuthority: card.issuingAuthority,
      issueDate: card.issueDate,
      validFrom: card.validFrom,
      validUntil: card.validUntil,
      photoId: card.photoId,
      startedAt: card.startedAt.toISOString(),
      producedAt: card.producedAt?.toISOString() ?? null,
      failedAt: card.failedAt?.toISOString() ?? null,
      attempts: attempts.map((a) => ({
        attempt: a.attempt,
        outcome: a.outcome,
        failureReason: a.failureReason,
        startedAt: a.startedAt.toISOString(),
        finishedAt: a.finishedAt.toISOString(),
      })),
    };
  }
}
