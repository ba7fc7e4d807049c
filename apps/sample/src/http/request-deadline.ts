import {
  CallHandler,
  ExecutionContext,
  Global,
  Inject,
  Injectable,
  Module,
  NestInterceptor,
} from '@nestjs/common';
import { SSE_METADATA } from '@nestjs/common/constants';
import { APP_INTERCEPTOR, Reflector } from '@nestjs/core';
import { StoreDeadline } from 'nestjs-jwt-revocation';
import { performance } from 'node:perf_hooks';
import { Observable, Subscription } from 'rxjs';
import { SampleConfig } from '../config/sample.config';

/**
 * One deadline per HTTP request, `requestDeadline` seconds from when the app first sees it (the
 * first guard or interceptor that asks), shared by everything the request waits on: the library's
 * store calls (through `StoreDeadline`) and the app's own queries (see `boundQueriesByDeadline`).
 * Without it, each of a route's queries could take almost `DATABASE_TIMEOUT`.
 */
@Injectable()
export class RequestDeadline {
  private readonly deadlines = new WeakMap<object, number>();
  private readonly ms: number;

  constructor(@Inject(SampleConfig) config: SampleConfig) {
    this.ms = config.requestDeadline * 1000;
  }

  /** Runs `work` within what is left of `request`'s deadline. */
  run<T>(request: object, work: () => Promise<T>): Promise<T> {
    let at = this.deadlines.get(request);
    if (at === undefined) {
      at = performance.now() + this.ms;
      this.deadlines.set(request, at);
    }
    return StoreDeadline.run(at - performance.now(), work);
  }
}

/**
 * Runs every HTTP handler (with its pipes) within its request's deadline. Server-sent event
 * streams outlive any deadline and are left alone.
 */
@Injectable()
export class RequestDeadlineInterceptor implements NestInterceptor {
  constructor(
    @Inject(RequestDeadline) private readonly deadline: RequestDeadline,
    @Inject(Reflector) private readonly reflector: Reflector,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http' || this.reflector.get(SSE_METADATA, context.getHandler())) {
      return next.handle();
    }
    const request = context.switchToHttp().getRequest<object>();
    return new Observable((subscriber) => {
      let subscription: Subscription | undefined;
      // The handler is called when subscribed: subscribing inside the run puts its queries under the deadline.
      void this.deadline.run(request, async () => {
        subscription = next.handle().subscribe(subscriber);
      });
      return () => subscription?.unsubscribe();
    });
  }
}

/** `RequestDeadline` for guards that query the database, and the interceptor for every route. */
@Global()
@Module({
  providers: [
    RequestDeadline,
    RequestDeadlineInterceptor,
    { provide: APP_INTERCEPTOR, useExisting: RequestDeadlineInterceptor },
  ],
  exports: [RequestDeadline],
})
export class RequestDeadlineModule {}
