import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { JwtSignalsModuleOptions } from './signals.options';

export const {
  ConfigurableModuleClass,
  MODULE_OPTIONS_TOKEN: JWT_SIGNALS_MODULE_OPTIONS,
  ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<JwtSignalsModuleOptions>({ moduleName: 'JwtSignals' })
  .setClassMethodName('forRoot')
  .build();
