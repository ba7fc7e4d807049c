import { Module } from '@nestjs/common';
import { RevocationTriggers } from './revocation-triggers.service';

@Module({ providers: [RevocationTriggers], exports: [RevocationTriggers] })
export class EventsModule {}
