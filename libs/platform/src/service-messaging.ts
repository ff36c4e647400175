import {
  BeforeApplicationShutdown,
  DynamicModule,
  Logger,
  Module,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  Address,
  BullMqClient,
  DeadLetterStore,
  Keyring,
  Outbox,
  OutboxRelay,
} from '@app/messaging';
import { Catalog, schemaOf, Service } from '@app/contracts';
import { PROVINCE_CODES } from '@app/domain';
import { AppConfig, servedProvinces } from './config';
import { APP_CONFIG, KEYRING } from './tokens';

/**
 * The messaging parts of one service in this process: its outbox (written in the caller's
 * transaction), the relay that publishes it, and its dead-letter store. Each service module imports
 * `ServiceMessagingModule.forService(...)` and gets its own instance, bound to its own schema.
 */
export class ServiceMessaging implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly outbox: Outbox<Catalog>;
  readonly relay: OutboxRelay;
  readonly deadLetters: DeadLetterStore;
  readonly schema: string;
  /** Provinces this node serves for this service. */
  readonly provinces: readonly string[];
  private readonly logger: Logger;

  constructor(
    readonly service: Service,
    readonly dataSource: DataSource,
    config: AppConfig,
    keyring: Keyring,
    readonly client: BullMqClient,
  ) {
    this.schema = schemaOf(service);
    this.provinces = servedProvinces(config, PROVINCE_CODES);
    this.outbox = new Outbox(this.schema, Catalog, keyring);
    this.relay = new OutboxRelay(dataSource, this.schema, client, {
      batchSize: config.OUTBOX_BATCH_SIZE,
      pollMs: config.OUTBOX_POLL_MS,
    });
    this.deadLetters = new DeadLetterStore(dataSource, this.schema);
    this.logger = new Logger(`Messaging:${service}`);
  }

  /** The address of this service in a province. */
  address(province: string): Address {
    return { service: this.service, province };
  }

  serves(province: string): boolean {
    return this.provinces.includes(province);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.relay.start();
    this.logger.log(`outbox relay started for schema ${this.schema}`);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.relay.stop();
  }
}

@Module({})
export class ServiceMessagingModule {
  static forService(service: Service): DynamicModule {
    return {
      module: ServiceMessagingModule,
      providers: [
        {
          provide: ServiceMessaging,
          useFactory: (ds: DataSource, config: AppConfig, keyring: Keyring, client: BullMqClient) =>
            new ServiceMessaging(service, ds, config, keyring, client),
          inject: [DataSource, APP_CONFIG, KEYRING, BullMqClient],
        },
      ],
      exports: [ServiceMessaging],
    };
  }
}
