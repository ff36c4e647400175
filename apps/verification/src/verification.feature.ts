import { Service } from '@app/contracts';
import type { FeatureDefinition } from '@app/platform';
import { verificationOpeningRead } from './opening-read';
import { VerificationInit1763900000000 } from './migrations/1763900000000-VerificationInit';
import { OpenApplications1795404000000 } from './migrations/1795404000000-OpenApplications';
import { NewbornRegistration1795405000000 } from './migrations/1795405000000-NewbornRegistration';
import { Withdrawals1795406000000 } from './migrations/1795406000000-Withdrawals';
import { RegistrationEntity } from './registration/registration.entity';
import { RegistryPersonEntity } from './registry/registry-person.entity';
import { ReviewEntity } from './review/review.entity';
import { VerificationModule } from './verification.module';

/** The verification parts of the database (used by the node and by the registry CLI). */
export const verificationDatabase = {
  entities: [RegistryPersonEntity, ReviewEntity, RegistrationEntity],
  migrations: [
    VerificationInit1763900000000,
    OpenApplications1795404000000,
    NewbornRegistration1795405000000,
    Withdrawals1795406000000,
  ],
};

/** Hukou side (户籍地): population registry, review and issue decision. */
export const verificationFeature: FeatureDefinition = {
  module: VerificationModule,
  database: verificationDatabase,
  service: Service.VERIFICATION,
  openingRead: verificationOpeningRead,
};
