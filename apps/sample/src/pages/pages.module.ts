import { MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { EventsModule } from '../events/events.module';
import { UsersModule } from '../users/users.module';
import { BrowserSessionController } from './browser-session.controller';
import { PagesController } from './pages.controller';
import { SameOriginGuard } from './same-origin.guard';
import { securityHeaders } from './security-headers.middleware';
import { SessionEndReasons } from './session-end.reasons';

/** The `/account` and `/admin` pages and the cookie sessions they sign in with. */
@Module({
  imports: [AuthModule, UsersModule, EventsModule],
  controllers: [PagesController, BrowserSessionController],
  providers: [SameOriginGuard, SessionEndReasons],
})
export class PagesModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(securityHeaders).forRoutes(PagesController);
  }
}
