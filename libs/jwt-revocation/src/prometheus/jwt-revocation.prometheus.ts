import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { RevocationMetrics } from '../metrics/revocation.metrics';
import { RevocationSync } from '../revocation/revocation-sync.service';

/** The Nest container (or anything with `get`), to find the library's services. */
interface ServiceLocator {
  get<T>(type: abstract new (...args: never[]) => T, options?: { strict: boolean }): T;
}

/**
 * Registers the library's Prometheus metrics (`prom-client`) on `registry`:
 * checks, rejections by reason, revocations by reason, propagation lag, cache size and staleness.
 * Call once at startup: `registerJwtRevocationMetrics(app, registry)`.
 */
export function registerJwtRevocationMetrics(app: ServiceLocator, registry: Registry): void {
  const metrics = app.get(RevocationMetrics, { strict: false });
  const sync = app.get(RevocationSync, { strict: false });
  const checks = new Counter({
    name: 'jwt_revocation_checks_total',
    help: 'Access-token checks by the guard, by result',
    labelNames: ['result'],
    registers: [registry],
  });
  const rejections = new Counter({
    name: 'jwt_revocation_rejections_total',
    help: 'Requests refused by the guard, by reason',
    labelNames: ['reason'],
    registers: [registry],
  });
  const revocations = new Counter({
    name: 'jwt_revocation_revocations_total',
    help: 'Durable revocations made by this instance, by reason',
    labelNames: ['reason'],
    registers: [registry],
  });
  const revoked = new Counter({
    name: 'jwt_revocation_revoked_sessions_total',
    help: 'Sessions or tokens ended by revocations made on this instance, by reason (uncounted revocations add nothing)',
    labelNames: ['reason'],
    registers: [registry],
  });
  const lag = new Histogram({
    name: 'jwt_revocation_propagation_lag_seconds',
    help: 'Delay from a revocation on another instance to its receipt here, by transport',
    labelNames: ['via'],
    buckets: [0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  new Gauge({
    name: 'jwt_revocation_cache_entries',
    help: 'Entries in the in-memory revocation cache, by kind',
    labelNames: ['kind'],
    registers: [registry],
    collect() {
      const size = sync.status().size;
      this.set({ kind: 'jti' }, size.tokens);
      this.set({ kind: 'session' }, size.sessions);
      this.set({ kind: 'user' }, size.users);
      this.set({ kind: 'open_session' }, size.openSessions);
    },
  });
  new Gauge({
    name: 'jwt_revocation_cache_staleness_seconds',
    help: 'Time since the cache was last confirmed complete against the store',
    registers: [registry],
    collect() {
      const ms = sync.status().lagMs;
      this.set(ms === null ? Number.POSITIVE_INFINITY : ms / 1000);
    },
  });
  new Gauge({
    name: 'jwt_revocation_cache_trusted',
    help: '1 while the cache is loaded and fresh enough to trust, else 0',
    registers: [registry],
    collect() {
      this.set(sync.isTrusted() ? 1 : 0);
    },
  });
  new Gauge({
    name: 'jwt_revocation_transport_connected',
    help: '1 while the propagation transport is subscribed, else 0 (absent without a transport)',
    registers: [registry],
    collect() {
      const transport = sync.status().transport;
      if (transport) this.set(transport.connected ? 1 : 0);
    },
  });
  metrics.addListener({
    checked: (result, reason) => {
      checks.inc({ result });
      if (reason) rejections.inc({ reason });
    },
    revoked: (reason, count) => {
      revocations.inc({ reason });
      if (count !== null) revoked.inc({ reason }, count);
    },
    propagated: (ms, via) => lag.observe({ via }, ms / 1000),
  });
}
