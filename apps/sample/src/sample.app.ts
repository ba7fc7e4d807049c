import { INestApplication, ValidationPipe } from '@nestjs/common';
import { AbstractHttpAdapter, HttpAdapterHost, NestFactory } from '@nestjs/core';
import { ExpressAdapter, type NestExpressApplication } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { SECEVENT_MEDIA_TYPE } from 'nestjs-jwt-revocation/signals';
import { WsAdapter } from '@nestjs/platform-ws';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { SampleConfig } from './config/sample.config';
import { HttpErrorFilter } from './http/http-error.filter';
import { JsonDepthPipe } from './http/json-depth.pipe';
import { setupOpenApi } from './http/openapi.setup';
import { SampleModule } from './sample.module';

/** Request bodies larger than this are refused with 413 on both adapters. */
const BODY_LIMIT_BYTES = 100 * 1024;

/**
 * Slow clients get 408 and lose their connection after `headers` seconds without complete headers
 * or `request` seconds without a complete request (Node's defaults are 60 s and 300 s, checked
 * every 30 s). Both adapters serve through a Node `http.Server`; set before `listen()`.
 */
export function applyHttpTimeouts(server: Server, timeouts: SampleConfig['httpTimeouts']): void {
  server.headersTimeout = timeouts.headers * 1000;
  server.requestTimeout = timeouts.request * 1000;
  // Read when the server starts listening: the option of http.createServer(), absent from the types.
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval =
    Math.min(1000, server.headersTimeout / 2);
}

/** The HTTP adapter `config.httpAdapter` names, set up alike on both. */
export function createHttpAdapter(config: SampleConfig): AbstractHttpAdapter {
  if (config.httpAdapter === 'express') {
    const adapter = new ExpressAdapter();
    const express = adapter.getInstance();
    express.set('trust proxy', config.trustProxy);
    express.disable('x-powered-by');
    express.use((request: IncomingMessage, response: ServerResponse, next: () => void) => {
      setSecurityHeaders(response);
      if (hasSeveralHosts(request)) return badRequest(response);
      next();
    });
    return adapter;
  }
  const adapter = new FastifyAdapter({
    trustProxy: config.trustProxy,
    bodyLimit: BODY_LIMIT_BYTES,
  });
  adapter.getInstance().addHook('onRequest', (request, reply, done) => {
    setSecurityHeaders(reply.raw);
    if (hasSeveralHosts(request.raw)) return void reply.code(400).send(SEVERAL_HOSTS);
    done();
  });
  return adapter;
}

/** Every answer is JSON (or the docs): browsers must not sniff it into something else. */
function setSecurityHeaders(response: ServerResponse): void {
  response.setHeader('X-Content-Type-Options', 'nosniff');
}

const SEVERAL_HOSTS = {
  statusCode: 400,
  error: 'bad_request',
  message: 'More than one Host header',
};

/**
 * RFC 9112 §3.2: a request with several Host headers must be refused. Node keeps the first; a proxy
 * in front may have routed on another.
 */
function hasSeveralHosts(request: IncomingMessage): boolean {
  let hosts = 0;
  for (let i = 0; i < request.rawHeaders.length; i += 2) {
    if (request.rawHeaders[i].toLowerCase() === 'host' && ++hosts > 1) return true;
  }
  return false;
}

function badRequest(response: ServerResponse): void {
  response.statusCode = 400;
  response.setHeader('Content-Type', 'application/json; charset=utf-8');
  response.end(JSON.stringify(SEVERAL_HOSTS));
}

/** Builds the sample app (not listening yet). */
export async function createSampleApp(config: SampleConfig): Promise<INestApplication> {
  const app = await NestFactory.create(SampleModule.forRoot(config), createHttpAdapter(config), {
    abortOnError: false,
  });
  configureSampleApp(app);
  return app;
}

/** Validation, error mapping, timeouts, the WebSocket adapter and OpenAPI: everything `SampleModule` needs from the app itself. */
export function configureSampleApp(app: INestApplication): void {
  applyHttpTimeouts(
    app.getHttpServer() as Server,
    app.get<SampleConfig>(SampleConfig).httpTimeouts,
  );
  app.useGlobalPipes(
    new JsonDepthPipe(),
    new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }),
  );
  const config = app.get<SampleConfig>(SampleConfig);
  app.useGlobalFilters(
    new HttpErrorFilter(app.get(HttpAdapterHost), Math.max(1, Math.ceil(config.database.timeout))),
  );
  app.useWebSocketAdapter(new WsAdapter(app));
  acceptSecurityEventTokens(app);
  setupOpenApi(app);
}

/** RFC 8935 pushes a SET as the raw body, `application/secevent+jwt`: read it as text on both adapters. */
function acceptSecurityEventTokens(app: INestApplication): void {
  const instance = app.getHttpAdapter().getInstance() as {
    addContentTypeParser?: (
      type: string,
      options: { parseAs: 'string'; bodyLimit: number },
      parser: (request: unknown, body: string, done: (error: null, body: string) => void) => void,
    ) => void;
  };
  if (typeof instance.addContentTypeParser === 'function') {
    instance.addContentTypeParser(
      SECEVENT_MEDIA_TYPE,
      { parseAs: 'string', bodyLimit: BODY_LIMIT_BYTES },
      (_request, body, done) => done(null, body),
    );
  } else {
    (app as NestExpressApplication).useBodyParser('text', {
      type: SECEVENT_MEDIA_TYPE,
      limit: BODY_LIMIT_BYTES,
    });
  }
}
