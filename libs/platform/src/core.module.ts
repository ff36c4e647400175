import {
  DynamicModule,
  Global,
  Inject,
  Injectable,
  Module,
  OnApplicationShutdown,
} from '@nestjs/common';
import { BullMqClient, Keyring } from '@app/messaging';
import type { AppConfig } from './config';
import { NodeStatus } from './drain';
import { Metrics } from './metrics/metrics';
import { APP_CONFIG, HOSTED, HostedServices, KEYRING } from './tokens';

/** Closes the shared BullMQ producer after every relay has stopped (relays stop earlier, in beforeApplicationShutdown). */
@Injectable()
export class QueueClientLifecycle implements OnApplicationShutdown {
  constructor(@Inject(BullMqClient) private readonly client: BullMqClient) {}
  async onApplicationShutdown(): Promise<void> {
    await this.client.close();
  }
}

/**
 * Process-wide providers: the validated configuration, the keyring and the one BullMQ producer
 * shared by every service's outbox relay.
 */
@Global()
@Module({})
export class CoreModule {
  static forRoot(
    config: AppConfig,
    keyring: Keyring,
    hosted: HostedServices,
    status: NodeStatus = new NodeStatus(),
  ): DynamicModule {
    return {
      module: CoreModule,
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: KEYRING, useValue: keyring },
        { provide: HOSTED, useValue: hosted },
        { provide: Metrics, useValue: new Metrics() },
        { provide: NodeStatus, useValue: status },
        {
          provide: BullMqClient,
          useFactory: () =>
            new BullMqClient({
              redisUrl: config.REDIS_URL,
              prefix: config.QUEUE_PREFIX,
              retry: { attempts: config.MESSAGE_ATTEMPTS, backoffMs: config.MESSAGE_BACKOFF_MS },
            }),
        },
        QueueClientLifecycle,
      ],
      exports: [APP_CONFIG, KEYRING, HOSTED, Metrics, NodeStatus, BullMqClient],
    };
  }
}
