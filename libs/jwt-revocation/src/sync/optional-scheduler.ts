import type { InjectionToken } from '@nestjs/common';

/* `@nestjs/schedule` is optional: when the app imports `ScheduleModule.forRoot()`, the library's timers are registered there. */
interface SchedulerRegistryLike {
  addInterval(name: string, intervalId: NodeJS.Timeout): void;
  deleteInterval(name: string): void;
  doesExist(type: 'interval', name: string): boolean;
}

function load(): InjectionToken | undefined {
  try {
    return (require('@nestjs/schedule') as { SchedulerRegistry: InjectionToken }).SchedulerRegistry;
  } catch {
    return undefined;
  }
}

export const SCHEDULER_REGISTRY_TOKEN: InjectionToken =
  load() ?? Symbol('SchedulerRegistryUnavailable');
export type { SchedulerRegistryLike };
