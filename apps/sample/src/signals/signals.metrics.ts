import type { ModuleRef } from '@nestjs/core';
import { SetTransmitter, SignalMetrics } from 'nestjs-jwt-revocation/signals';
import { Counter, Gauge, type Registry } from 'prom-client';

/** Signals received and sent, and each receiver's delivery state, when signals are configured. */
export function registerSignalMetrics(moduleRef: ModuleRef, registry: Registry): void {
  let metrics: SignalMetrics;
  let transmitter: SetTransmitter;
  try {
    metrics = moduleRef.get(SignalMetrics, { strict: false });
    transmitter = moduleRef.get(SetTransmitter, { strict: false });
  } catch {
    return;
  }
  const received = new Counter({
    name: 'jwt_revocation_signals_received_total',
    help: 'Logout tokens and SETs received, by protocol and outcome',
    labelNames: ['protocol', 'outcome'],
    registers: [registry],
  });
  const sent = new Counter({
    name: 'jwt_revocation_signals_sent_total',
    help: 'SET pushes, by receiver and outcome (delivered, rejected, failed)',
    labelNames: ['receiver', 'outcome'],
    registers: [registry],
  });
  metrics.addListener({
    received: (protocol, outcome) => received.inc({ protocol, outcome }),
    sent: (receiver, outcome) => sent.inc({ receiver, outcome }),
  });
  new Gauge({
    name: 'jwt_revocation_signals_delivery_failures',
    help: 'Consecutive failed pushes per receiver (0 when delivering)',
    labelNames: ['receiver'],
    registers: [registry],
    collect() {
      for (const s of transmitter.status()) this.set({ receiver: s.name }, s.failures);
    },
  });
  new Gauge({
    name: 'jwt_revocation_signals_delivery_cursor',
    help: 'Last change-log seq delivered per receiver, on the instance sending to it',
    labelNames: ['receiver'],
    registers: [registry],
    collect() {
      for (const s of transmitter.status()) {
        if (s.sending && s.cursor !== null) this.set({ receiver: s.name }, s.cursor);
      }
    },
  });
}
