import { DynamicModule, INestApplication, Logger, Module, Type } from '@nestjs/common';
import { NestFactory, Reflector } from '@nestjs/core';
import { MicroserviceOptions } from '@nestjs/microservices';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { TypeOrmModule } from '@nestjs/typeorm';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DataSource } from 'typeorm';
import { BullMqServer, Keyring } from '@app/messaging';
import { Catalog, schemaOf, Service } from '@app/contracts';
import { PROVINCE_CODES } from '@app/domain';
import {
  dataSourceOptions,
  DatabaseModuleParts,
  ensureDatabase,
  runMigrationsLocked,
} from '@app/persistence';
import { AppConfig, loadConfig, servedProvinces } from './config';
import { AuthGuard } from './auth/auth.guard';
import { CoreModule } from './core.module';
import { HealthController } from './health.controller';
import { HttpErrorFilter, strictValidationPipe } from './http-errors';
import { JsonLogger } from './logger';
import { HttpMetricsInterceptor, Metrics, MetricsController } from './metrics';

/** One deployable feature: a service module with its tables and the queues it consumes. */
export interface FeatureDefinition {
  module: Type | DynamicModule;
  database: DatabaseModuleParts;
  /** The service whose queues this feature consumes, if any (ops consumes none). */
  service?: Service;
  /** Pages worth announcing at start, e.g. { '/ops': 'operations dashboard' }. */
  pages?: Record<string, string>;
}

export interface NodeOptions {
  name: string;
  features: FeatureDefinition[];
  config?: AppConfig;
  /** Listen on HTTP (all nodes do; tests may pass port 0). */
  port?: number;
}

export interface RunningNode {
  app: INestApplication;
  config: AppConfig;
  url: string;
  close(): Promise<void>;
}

/**
 * Starts a node: validated config, database (created if missing) and migrations under a lock,
 * the keyring, the features' modules, the BullMQ transport for the services it hosts, and HTTP with
 * the contract's validation and error format. Used by every app's main and by the e2e tests.
 */
export async function startNode(options: NodeOptions): Promise<RunningNode> {
  const config = options.config ?? loadConfig();
  const logger = new JsonLogger(config.LOG_LEVEL, config.LOG_FORMAT);
  const log = new Logger(options.name);
  Logger.overrideLogger(logger);
  if (await ensureDatabase(config.DATABASE_URL))
    log.log('created the database named in DATABASE_URL');

  const provinces = servedProvinces(config, PROVINCE_CODES);
  const { keyring, generated } = Keyring.load(config.KEYRING_DIR, {
    provinces: config.KEYRING_AUTOGENERATE ? PROVINCE_CODES : provinces,
    autogenerate: config.KEYRING_AUTOGENERATE,
  });
  if (generated.length)
    log.warn(
      `generated development Ed25519 keys for ${generated.length} province(s) in ${config.KEYRING_DIR}`,
    );

  const database: DatabaseModuleParts = {
    entities: options.features.flatMap(
      (f) => f.database.entities as unknown[],
    ) as DatabaseModuleParts['entities'],
    migrations: options.features.flatMap(
      (f) => f.database.migrations as unknown[],
    ) as DatabaseModuleParts['migrations'],
  };

  const services = options.features.filter((f) => f.service).map((f) => f.service as Service);

  @Module({
    imports: [
      CoreModule.forRoot(config, keyring, {
        services: services.map((service) => ({ service })),
        provinces,
      }),
      TypeOrmModule.forRoot(
        dataSourceOptions(config.DATABASE_URL, database, config.DATABASE_POOL_SIZE),
      ),
      ...options.features.map((f) => f.module),
    ],
    controllers: [HealthController, MetricsController],
  })
  class NodeModule {}

  const app = await NestFactory.create<NestExpressApplication>(NodeModule, {
    logger,
    bodyParser: false,
  });
  // Bodies are small JSON documents; photos have their own, larger, route-level limit.
  app.useBodyParser('json', { limit: '256kb' });
  app.disable('x-powered-by');
  app.use(
    (_req: unknown, res: { setHeader(name: string, value: string): void }, next: () => void) => {
      res.setHeader('X-Content-Type-Options', 'nosniff');
      next();
    },
  );
  app.enableShutdownHooks();
  app.useGlobalPipes(strictValidationPipe());
  app.useGlobalFilters(new HttpErrorFilter());
  // Every route but @Public ones (health, metrics) needs a verified bearer token.
  app.useGlobalGuards(new AuthGuard(app.get(Reflector), config));

  await runMigrationsLocked(app.get(DataSource), new Logger('Migrations'));

  app.useGlobalInterceptors(new HttpMetricsInterceptor(app.get(Metrics)));
  if (services.length) {
    // inheritAppConfig: the microservice shares the global filter registered above, which hands
    // handler errors to the transport unchanged (Nest's default RPC filter would hide them).
    app.connectMicroservice<MicroserviceOptions>(
      {
        strategy: new BullMqServer({
          redisUrl: config.REDIS_URL,
          prefix: config.QUEUE_PREFIX,
          services: services.map((service) => ({ service, schema: schemaOf(service), provinces })),
          catalog: Catalog,
          keyring,
          dataSource: app.get(DataSource),
          concurrency: config.WORKER_CONCURRENCY,
          observer: app.get(Metrics).observer,
          maxMessageAgeMs: config.MESSAGE_MAX_AGE_MS,
        }),
      },
      { inheritAppConfig: true },
    );
  }

  const swagger = new DocumentBuilder()
    .setTitle('Cross-province first ID card applications (跨省通办)')
    .setDescription(
      'Clerk, delivery and operations API. Errors are JSON {statusCode, error, message, details?}.',
    )
    .setVersion('1')
    .addBearerAuth()
    .build();
  SwaggerModule.setup('api/docs', app, () => SwaggerModule.createDocument(app, swagger));

  await app.startAllMicroservices();
  await app.listen(options.port ?? config.PORT, config.HOST);
  const address = app.getHttpServer().address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : config.PORT}`;
  const pages = Object.assign(
    { '/api/docs': 'API docs', '/metrics': 'metrics', '/health/ready': 'readiness' },
    ...options.features.map((f) => f.pages ?? {}),
  );
  log.log(
    `${options.name} ready at ${url} — ${Object.entries(pages)
      .map(([path, what]) => `${what} ${url}${path}`)
      .join(
        ', ',
      )}; services: ${services.join(', ') || 'none'}; provinces: ${provinces.length === 31 ? 'all' : provinces.join(',')}`,
  );
  return { app, config, url, close: () => app.close() };
}
