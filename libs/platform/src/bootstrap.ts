import { DynamicModule, INestApplication, Logger, Module, Type } from '@nestjs/common';
import { NestFactory, Reflector } from '@nestjs/core';
import { MicroserviceOptions } from '@nestjs/microservices';
import { SwaggerModule } from '@nestjs/swagger';
import { TypeOrmModule } from '@nestjs/typeorm';
import { NestExpressApplication } from '@nestjs/platform-express';
import type { Server } from 'node:http';
import type { Worker } from 'bullmq';
import { DataSource } from 'typeorm';
import {
  BullMqClient,
  BullMqServer,
  DependencyLog,
  ForegroundLoad,
  HostedService,
  Keyring,
  NATIONAL,
} from '@app/messaging';
import { Catalog, schemaOf, Service } from '@app/contracts';
import { PROVINCE_CODES } from '@app/domain';
import {
  dataSourceOptions,
  DatabaseModuleParts,
  ensureDatabase,
  runMigrationsLocked,
} from '@app/persistence';
import { AppConfig, loadConfig, redisEndpoint, servedProvinces } from './config';
import { AuthGuard } from './auth/auth.guard';
import { CallerRateLimit } from './auth/rate-limit';
import { CoreModule } from './core.module';
import { HealthController } from './health.controller';
import { HttpErrorFilter, strictValidationPipe } from './http-errors';
import { JsonLogger } from './logger';
import { MessageDocsController } from './message-docs.controller';
import { Metrics, MetricsController } from './metrics';
import { Drain, NodeStatus } from './drain';
import { requestContextAgain, requestEdge, securityHeaders } from './http/request-edge';
import { buildApiDocument } from './openapi';

/** One deployable feature: a service module with its tables and the queues it consumes. */
export interface FeatureDefinition {
  module: Type | DynamicModule;
  database: DatabaseModuleParts;
  /** The service whose queues this feature consumes, if any (ops consumes none). */
  service?: Service;
  /** What the service's message handlers read first, sent with the opening (HostedService). */
  openingRead?: HostedService['openingRead'];
  /**
   * Queues this feature consumes that are not a service's queue of each served province: the
   * national operations node's one queue (`{ops.national}`), with the schema of its inbox and dead
   * letters.
   */
  consumes?: HostedService;
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
  /** The SIGTERM drain (see Drain), without exiting the process. */
  drain(reason?: string): Promise<void>;
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
  const serviceFeatures = options.features.filter((f) => f.service);
  const services = serviceFeatures.map((f) => f.service as Service);
  const extraQueues = options.features.flatMap((f) => (f.consumes ? [f.consumes] : []));
  const national = extraQueues.some((q) => q.provinces.includes(NATIONAL));
  // The keys this node must hold privately: those of the provinces it serves, and the national
  // node's encryption pair if it is the national node (which alone, serving no province's
  // service, needs no province's key). Development keys are made for every province and the
  // national node, so that provinces can seal snapshots for it.
  const { keyring, generated } = Keyring.load(config.KEYRING_DIR, {
    provinces: config.KEYRING_AUTOGENERATE
      ? [...PROVINCE_CODES, NATIONAL]
      : national
        ? [...(services.length ? provinces : []), NATIONAL]
        : provinces,
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

  const status = new NodeStatus();
  const drain = new Drain(status, config);
  const foreground = new ForegroundLoad();

  @Module({
    imports: [
      CoreModule.forRoot(
        config,
        keyring,
        {
          services: services.map((service) => ({ service })),
          provinces,
        },
        status,
      ),
      TypeOrmModule.forRoot(
        dataSourceOptions(config.DATABASE_URL, database, config.DATABASE_POOL_SIZE),
      ),
      ...options.features.map((f) => f.module),
    ],
    controllers: [HealthController, MetricsController, MessageDocsController],
  })
  class NodeModule {}

  const app = await NestFactory.create<NestExpressApplication>(NodeModule, {
    logger,
    bodyParser: false,
  });
  app.disable('x-powered-by');
  // Before anything can answer: request id, access log and metrics (for every status, a guard's
  // 401/403/429 and an unknown route's 404 included), the drain's gate, security headers.
  app.use(requestEdge(app.get(Metrics), foreground));
  app.use(drain.gate);
  app.use(securityHeaders());
  // Bodies are small JSON documents; photos have their own, larger, route-level limit.
  app.useBodyParser('json', { limit: '256kb' });
  app.use(requestContextAgain);
  app.useGlobalPipes(strictValidationPipe());
  app.useGlobalFilters(new HttpErrorFilter());
  // Every route but @Public ones (health, metrics) needs a verified bearer token.
  app.useGlobalGuards(
    new AuthGuard(
      app.get(Reflector),
      config,
      // Counted in Redis on the node's shared producer connection: one limit for all nodes.
      new CallerRateLimit(
        app.get(BullMqClient).redis(),
        config.RATE_LIMIT_PER_MINUTE,
        config.QUEUE_PREFIX,
      ),
    ),
  );

  await runMigrationsLocked(app.get(DataSource), new Logger('Migrations'));

  let transport: BullMqServer | undefined;
  if (services.length || extraQueues.length) {
    // inheritAppConfig: the microservice shares the global filter registered above, which hands
    // handler errors to the transport unchanged (Nest's default RPC filter would hide them).
    transport = new BullMqServer({
      redisUrl: redisEndpoint(config),
      dependencies: app.get(DependencyLog),
      prefix: config.QUEUE_PREFIX,
      services: [
        ...serviceFeatures.map(({ service, openingRead }) => ({
          service: service as Service,
          schema: schemaOf(service as Service),
          provinces,
          openingRead,
        })),
        ...extraQueues,
      ],
      catalog: Catalog,
      keyring,
      dataSource: app.get(DataSource),
      concurrency: config.WORKER_CONCURRENCY,
      // Messages never take the last connections of the pool: HTTP (intake) and the outbox
      // relays keep theirs however long the backlog of messages is.
      maxInFlight: Math.max(1, config.DATABASE_POOL_SIZE - 3),
      // While clerks' requests are being answered, messages yield to them (the front door first).
      foreground,
      maxInFlightWhileServing: config.MESSAGES_WHILE_SERVING || undefined,
      observer: app.get(Metrics).observer,
      maxMessageAgeMs: config.MESSAGE_MAX_AGE_MS,
    });
    const workers = transport;
    status.watchWorkers(() => workers.unwrap<Worker[]>());
    app.connectMicroservice<MicroserviceOptions>(
      { strategy: transport },
      { inheritAppConfig: true },
    );
  }

  SwaggerModule.setup('api/docs', app, () => buildApiDocument(app));

  // Connect the shared producer (rate limits, health) before serving; a Redis that is down does not
  // stop the node: requests are then limited per node and readiness reports it.
  await app
    .get(BullMqClient)
    .ping()
    .catch((error: Error) => log.warn(`Redis not reachable at start: ${error.message}`));
  await app.startAllMicroservices();
  await app.listen(options.port ?? config.PORT, config.HOST);
  const server = app.getHttpServer() as Server;
  // Longer than load balancers' idle timeouts, so the balancer closes an idle connection first
  // (else a request sent on it just as the node closes it fails with "other side closed").
  server.keepAliveTimeout = config.HTTP_KEEP_ALIVE_TIMEOUT_MS;
  server.headersTimeout = config.HTTP_HEADERS_TIMEOUT_MS;
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : config.PORT}`;
  const pages = Object.assign(
    {
      '/api/docs': 'API docs',
      '/api/docs/messages': 'message docs (AsyncAPI)',
      '/metrics': 'metrics',
      '/health/ready': 'readiness',
    },
    ...options.features.map((f) => f.pages ?? {}),
  );
  log.log(
    `${options.name} ready at ${url} — ${Object.entries(pages)
      .map(([path, what]) => `${what} ${url}${path}`)
      .join(
        ', ',
      )}; services: ${[...services, ...extraQueues.map((q) => `${q.service} (${q.provinces.join(',')})`)].join(', ') || 'none'}; provinces: ${provinces.length === 31 ? 'all' : provinces.join(',')}`,
  );
  const runDrain = (reason = 'drain requested') =>
    drain.run(
      {
        server,
        stopWorkers: async () => transport?.close(),
        closeApp: () => app.close(),
      },
      reason,
    );
  let closed = false;
  const onSignal = (signal: NodeJS.Signals) => {
    drain.deadline((code) => process.exit(code));
    void runDrain(signal).then(
      () => process.exit(0),
      (error: Error) => {
        log.error(`drain failed: ${error.message}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  const forgetSignals = () => {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  };
  return {
    app,
    config,
    url,
    close: async () => {
      forgetSignals();
      if (closed) return;
      closed = true;
      await app.close();
    },
    drain: async (reason) => {
      forgetSignals();
      closed = true;
      await runDrain(reason);
    },
  };
}
