import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Service } from '@app/contracts';
import { ServiceMessagingModule } from '@app/platform';
import { RegistryPersonEntity } from './registry/registry-person.entity';
import { ReviewEntity } from './review/review.entity';
import { ReviewHandler } from './review/review.handler';
import { REVIEW_CLOCK, ReviewClock, ReviewService } from './review/review.service';

/** Hukou side: the population registry and the review of cross-province first applications. */
@Module({
  imports: [
    TypeOrmModule.forFeature([RegistryPersonEntity, ReviewEntity]),
    ServiceMessagingModule.forService(Service.VERIFICATION),
  ],
  controllers: [ReviewHandler],
  providers: [
    { provide: REVIEW_CLOCK, useValue: (() => new Date()) satisfies ReviewClock },
    ReviewService,
  ],
  exports: [ReviewService],
})
export class VerificationModule {}
