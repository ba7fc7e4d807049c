import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

/** Serves Swagger UI at `/docs` and the OpenAPI document at `/docs-json`. */
export function setupOpenApi(app: INestApplication): void {
  const config = new DocumentBuilder()
    .setTitle('nestjs-jwt-revocation sample')
    .setDescription(
      'Accounts, sessions and every revocation trigger. Log in with POST /auth/login, then ' +
        'authorize with the access token.',
    )
    .addBearerAuth()
    .addBasicAuth({ type: 'http', scheme: 'basic', description: 'OAuth client_id and secret' })
    .build();
  const document = SwaggerModule.createDocument(app, config);
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'docs-json',
    swaggerOptions: { persistAuthorization: true },
  });
}
