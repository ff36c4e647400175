import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Service } from '@app/contracts';
import { ServiceMessagingModule } from '@app/platform';
import { Cancellation } from './cards/cancellation.entity';
import { CardAttempt } from './cards/card-attempt.entity';
import { Card } from './cards/card.entity';
import { CardsController } from './cards/cards.controller';
import { ProductionHandler } from './cards/production.handler';
import { ProductionService } from './cards/production.service';

/** The residence province's card production centre. */
@Module({
  imports: [
    TypeOrmModule.forFeature([Card, CardAttempt, Cancellation]),
    ServiceMessagingModule.forService(Service.PRODUCTION),
  ],
  controllers: [ProductionHandler, CardsController],
  providers: [ProductionService],
})
export class ProductionModule {}
