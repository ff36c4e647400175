import { Inject, Injectable } from '@nestjs/common';
import {
  checkEligibility,
  EligibilityDecision,
  FeeDecision,
  FeePolicy,
  feeFor,
  loadFeePolicy,
  loadNewbornRules,
  loadPilotSchedule,
  NewbornRules,
  PilotSchedule,
  PilotService,
} from '@app/domain';
import { APP_CONFIG, AppConfig } from '@app/platform';
import { DEFAULT_MAX_PRODUCTION_ATTEMPTS } from '@app/workflow';
import { AcceptancePoints, loadAcceptancePoints } from '../acceptance-points/acceptance-points';
import type { PortraitRules } from '../photos/portrait';
import { DeadlineSettings } from './deadlines';

/**
 * The data and settings intake decides with, loaded once at start-up: a bad file stops the node
 * with a message naming the entry (DomainDataError / AcceptancePointsError).
 */
@Injectable()
export class IntakePolicy {
  readonly schedule: PilotSchedule;
  readonly fees: FeePolicy;
  readonly newborn: NewbornRules;
  readonly points: AcceptancePoints;
  readonly deadlines: DeadlineSettings;
  readonly pickupReminderMs: number;
  readonly photoMaxBytes: number;
  readonly portrait: PortraitRules;
  /** First make + remakes; the same variable the production centre reads. */
  readonly maxProductionAttempts: number;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.schedule = loadPilotSchedule(config.PILOT_SCHEDULE_FILE);
    this.fees = loadFeePolicy(config.FEE_POLICY_FILE);
    this.newborn = loadNewbornRules(config.NEWBORN_RULES_FILE);
    this.points = new AcceptancePoints(loadAcceptancePoints(config.ACCEPTANCE_POINTS_FILE));
    this.deadlines = {
      reviewMs: config.REVIEW_DEADLINE_MS,
      statutoryMs: config.STATUTORY_DEADLINE_MS,
    };
    this.pickupReminderMs = config.PICKUP_REMINDER_MS;
    this.photoMaxBytes = config.PHOTO_MAX_BYTES;
    this.portrait = {
      width: config.PHOTO_WIDTH_PX,
      height: config.PHOTO_HEIGHT_PX,
      tolerance: config.PHOTO_SIZE_TOLERANCE,
      maxMetadataBytes: config.PHOTO_MAX_METADATA_BYTES,
    };
    this.maxProductionAttempts = config.PRODUCTION_MAX_ATTEMPTS ?? DEFAULT_MAX_PRODUCTION_ATTEMPTS;
  }

  eligibility(
    residenceCode: string,
    hukouCode: string,
    date: string,
    service: PilotService = 'idcard',
  ): EligibilityDecision {
    return checkEligibility(residenceCode, hukouCode, date, this.schedule, service);
  }

  fee(residenceCode: string, hukouCode: string, date: string): FeeDecision {
    return feeFor(residenceCode, hukouCode, date, this.fees);
  }
}
