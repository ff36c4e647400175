import {
  CallHandler,
  ExecutionContext,
  HttpException,
  Injectable,
  NestInterceptor,
} from '@nestjs/common';
import { Observable, tap } from 'rxjs';
import { Metrics } from './metrics';

/** Records every HTTP request's latency under its route pattern (not the raw URL: no ids in labels). */
@Injectable()
export class HttpMetricsInterceptor implements NestInterceptor {
  constructor(private readonly metrics: Metrics) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const started = process.hrtime.bigint();
    const http = context.switchToHttp();
    const req = http.getRequest<{ method: string; route?: { path?: string } }>();
    const record = (status: number) =>
      this.metrics.httpSeconds.observe(
        { method: req.method, route: req.route?.path ?? 'unmatched', status: String(status) },
        Number(process.hrtime.bigint() - started) / 1e9,
      );
    return next.handle().pipe(
      tap({
        next: () => record(http.getResponse<{ statusCode: number }>().statusCode),
        error: (error) => record(error instanceof HttpException ? error.getStatus() : 500),
      }),
    );
  }
}
