import type { InjectionToken } from '@nestjs/common';

/* `@nestjs/event-emitter` is an optional peer: without it, listeners are inert and nothing is emitted. */
type OnEventFn = (event: string, options?: Record<string, unknown>) => MethodDecorator;

interface EventEmitterPackage {
  OnEvent: OnEventFn;
  EventEmitter2: abstract new (...args: never[]) => unknown;
}

function load(): EventEmitterPackage | undefined {
  try {
    return require('@nestjs/event-emitter') as EventEmitterPackage;
  } catch {
    return undefined;
  }
}

const pkg = load();

export const OnEvent: OnEventFn = pkg?.OnEvent ?? (() => () => undefined);

/** DI token of the app's `EventEmitter2`, when the package is installed. */
export const EVENT_EMITTER_TOKEN: InjectionToken =
  pkg?.EventEmitter2 ?? Symbol('EventEmitter2Unavailable');

/** The part of `EventEmitter2` the library uses. */
export interface EventEmitterLike {
  emit(event: string, payload: unknown): boolean;
}
