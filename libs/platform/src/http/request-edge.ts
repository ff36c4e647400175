import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import { ForegroundLoad, REQUEST_ID_PATTERN, requestContext } from '@app/messaging';
import type { Caller } from '../caller';
import type { Metrics } from '../metrics/metrics';

/**
 * What every HTTP request goes through before Nest sees it: a request id, an access-log line and
 * its metrics when the response is finished (whoever answered it: a handler, a guard, the 404 of
 * an unknown route, the body parser, the drain), and the security headers.
 */
export const REQUEST_ID_HEADER = 'X-Request-Id';

type EdgeRequest = Request & { id?: string; caller?: Caller };

/** Takes the caller's X-Request-Id when it has a sane shape, else makes one; echoes it. */
export function requestIdOf(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value && REQUEST_ID_PATTERN.test(value) ? value : randomUUID();
}

/** Probes and scrapes are logged at debug level: one line per request, without drowning the rest. */
const QUIET_ROUTES = new Set(['/health/live', '/health/ready', '/metrics']);

export function requestEdge(metrics: Metrics, foreground?: ForegroundLoad) {
  const log = new Logger('AccessLog');
  return (req: EdgeRequest, res: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    // A request someone waits for (not a probe or a scrape) is the node's foreground until its
    // response is sent or its connection closes.
    if (foreground && !QUIET_ROUTES.has(req.path)) res.once('close', foreground.enter());
    const requestId = requestIdOf(req.headers['x-request-id']);
    req.id = requestId;
    res.setHeader(REQUEST_ID_HEADER, requestId);
    // Personal data is served by the API: nothing may keep a copy (routes that serve static
    // assets set their own Cache-Control).
    res.setHeader('Cache-Control', 'no-store');
    res.once('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      // The route template, never the raw URL (no ids in labels or logs): Nest's routes and
      // routers mounted beside it (the queue board) set req.route once matched.
      const route = req.route?.path
        ? `${req.baseUrl ?? ''}${String(req.route.path)}`
        : req.baseUrl || 'unmatched';
      const status = res.statusCode;
      metrics.observeHttp(req.method, route, status, seconds);
      const fields = {
        requestId,
        method: req.method,
        route,
        status,
        durationMs: Math.round(seconds * 10_000) / 10,
        subject: req.caller?.subject ?? null,
      };
      const line = `${req.method} ${route} ${status} ${fields.durationMs}ms`;
      if (QUIET_ROUTES.has(route)) log.debug(line, fields);
      else log.log(line, fields);
    });
    requestContext.run({ requestId }, next);
  };
}

/** Re-enters the request's context after middleware that may lose it (the body parser's streams). */
export function requestContextAgain(req: EdgeRequest, _res: Response, next: NextFunction): void {
  requestContext.run({ requestId: req.id }, next);
}

/**
 * helmet with a Content-Security-Policy that the pages this node serves work under: the ops
 * dashboard (own scripts, Mermaid's inline SVG styles; it sets a stricter policy of its own), the
 * queue board (its own scripts, Google-hosted font stylesheet) and Swagger UI at /api/docs (own
 * scripts, inline styles, data: images). No `upgrade-insecure-requests`: TLS is the load
 * balancer's, and a node reached over plain HTTP must still load its own scripts.
 */
export function securityHeaders() {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: true,
      directives: {
        'default-src': ["'self'"],
        'script-src': ["'self'"],
        'style-src': ["'self'", "'unsafe-inline'", 'https://fonts.googleapis.com'],
        'font-src': ["'self'", 'data:', 'https://fonts.gstatic.com'],
        'img-src': ["'self'", 'data:'],
        'connect-src': ["'self'"],
        'frame-ancestors': ["'none'"],
        'upgrade-insecure-requests': null,
      },
    },
    // Cross-origin isolation headers would stop nothing here and break API clients' downloads.
    crossOriginEmbedderPolicy: false,
  });
}
