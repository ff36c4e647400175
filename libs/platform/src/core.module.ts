import {
  DynamicModule,
  Global,
  Inject,
  Injectable,
  Module,
  OnApplicationShutdown,
} from '@nestjs/common';
import { BullMqClient, DependencyLog, Keyring } from '@app/messaging';
import { AppConfig, redisEndpoint } from './config';
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
          // One log of dependency outages for the whole process (transport, relays, ops).
          provide: DependencyLog,
          useFactory: (metrics: Metrics) =>
            new DependencyLog({
              count: (dependency) => metrics.dependencyErrors.inc({ dependency }),
            }),
          inject: [Metrics],
        },
        {
          provide: BullMqClient,
          useFactory: (dependencies: DependencyLog) =>
            new BullMqClient({
              redisUrl: redisEndpoint(config),
              dependencies,
              prefix: config.QUEUE_PREFIX,
              retry: { attempts: config.MESSAGE_ATTEMPTS, backoffMs: config.MESSAGE_BACKOFF_MS },
            }),
          inject: [DependencyLog],
        },
        QueueClientLifecycle,
      ],
      exports: [APP_CONFIG, KEYRING, HOSTED, Metrics, NodeStatus, DependencyLog, BullMqClient],
    };
  }
}
