import { Service } from '@app/contracts';
import { FeatureDefinition } from '@app/platform';
import { Cancellation } from './cards/cancellation.entity';
import { CardAttempt } from './cards/card-attempt.entity';
import { Card } from './cards/card.entity';
import { ProductionInit1795400000000 } from './migrations/1795400000000-ProductionInit';
import { VoidedCards1795403000000 } from './migrations/1795403000000-VoidedCards';
import { ProductionModule } from './production.module';

/** Card production: consumes production.ordered / production.cancelled, schema `production`. */
export const productionFeature: FeatureDefinition = {
  module: ProductionModule,
  database: {
    entities: [Card, CardAttempt, Cancellation],
    migrations: [ProductionInit1795400000000, VoidedCards1795403000000],
  },
  service: Service.PRODUCTION,
};
