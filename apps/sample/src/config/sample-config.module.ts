import { DynamicModule, Global, Module } from '@nestjs/common';
import { SampleConfig } from './sample.config';

/** Provides the parsed `SampleConfig` everywhere. */
@Global()
@Module({})
export class SampleConfigModule {
  static forRoot(config: SampleConfig): DynamicModule {
    return {
      module: SampleConfigModule,
      providers: [{ provide: SampleConfig, useValue: config }],
      exports: [SampleConfig],
    };
  }
}
