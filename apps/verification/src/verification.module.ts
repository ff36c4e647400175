import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Service } from '@app/contracts';
import { ServiceMessagingModule } from '@app/platform';
import { RegistrationEntity } from './registration/registration.entity';
import { RegistrationHandler } from './registration/registration.handler';
import { RegistrationService } from './registration/registration.service';
import { RegistryPersonEntity } from './registry/registry-person.entity';
import { ReviewEntity } from './review/review.entity';
import { ReviewHandler } from './review/review.handler';
import { REVIEW_CLOCK, ReviewClock, ReviewService } from './review/review.service';

/**
 * Hukou side: the population registry, the review of cross-province first applications and the
 * registration of newborns into their parent's household.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([RegistryPersonEntity, ReviewEntity, RegistrationEntity]),
    ServiceMessagingModule.forService(Service.VERIFICATION),
  ],
  controllers: [ReviewHandler, RegistrationHandler],
  providers: [
    { provide: REVIEW_CLOCK, useValue: (() => new Date()) satisfies ReviewClock },
    ReviewService,
    RegistrationService,
  ],
  exports: [ReviewService, RegistrationService],
})
export class VerificationModule {}
