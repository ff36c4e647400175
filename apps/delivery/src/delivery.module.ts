import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Service } from '@app/contracts';
import { ServiceMessagingModule } from '@app/platform';
import { DeliveriesController } from './deliveries/deliveries.controller';
import { DeliveryEvent } from './deliveries/delivery-event.entity';
import { Delivery } from './deliveries/delivery.entity';
import { DeliveryHandler } from './deliveries/delivery.handler';
import { DeliveryService } from './deliveries/delivery.service';
import { Notification } from './deliveries/notification.entity';

/** The residence province's delivery service: window and postal delivery, collection. */
@Module({
  imports: [
    TypeOrmModule.forFeature([Delivery, DeliveryEvent, Notification]),
    ServiceMessagingModule.forService(Service.DELIVERY),
  ],
  controllers: [DeliveryHandler, DeliveriesController],
  providers: [DeliveryService],
})
export class DeliveryModule {}
