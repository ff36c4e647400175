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
import { NodeStatus } from './drain';
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
    private readonly status?: NodeStatus,
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
    this.status?.addRelay(this.schema, this.relay);
    this.logger.log(`outbox relay started for schema ${this.schema}`);
  }

  /**
   * Runs after the drain (HTTP requests answered, workers' jobs finished): publishes what that
   * work committed, then stops. Rows it cannot publish now stay for the next node's relay.
   */
  async beforeApplicationShutdown(): Promise<void> {
    await this.relay.stop();
    const flush = async () => {
      for (let batch = 0; batch < 50 && (await this.relay.relayOnce()) > 0; batch++);
    };
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((_, reject) => {
      timer = setTimeout(() => reject(new Error('gave up after 5 s')), 5_000);
    });
    try {
      await Promise.race([flush(), bound]);
    } catch (error) {
      this.logger.warn(`last publish before shutdown failed: ${(error as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
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
          useFactory: (
            ds: DataSource,
            config: AppConfig,
            keyring: Keyring,
            client: BullMqClient,
            status: NodeStatus,
          ) => new ServiceMessaging(service, ds, config, keyring, client, status),
          inject: [DataSource, APP_CONFIG, KEYRING, BullMqClient, NodeStatus],
        },
      ],
      exports: [ServiceMessaging],
    };
  }
}
