import { Service } from '@app/contracts';
import { FeatureDefinition } from '@app/platform';
import { DeliveryEvent } from './deliveries/delivery-event.entity';
import { Delivery } from './deliveries/delivery.entity';
import { deliveryOpeningRead } from './deliveries/delivery.service';
import { Notification } from './deliveries/notification.entity';
import { DeliveryModule } from './delivery.module';
import { DeliveryInit1795400000001 } from './migrations/1795400000001-DeliveryInit';
import { DeliverySecretGuard1795403000000 } from './migrations/1795403000000-DeliverySecretGuard';

/** Delivery and collection: consumes delivery.ordered, serves /api/v1/deliveries, schema `delivery`. */
export const deliveryFeature: FeatureDefinition = {
  module: DeliveryModule,
  database: {
    entities: [Delivery, DeliveryEvent, Notification],
    migrations: [DeliveryInit1795400000001, DeliverySecretGuard1795403000000],
  },
  service: Service.DELIVERY,
  openingRead: deliveryOpeningRead,
};
