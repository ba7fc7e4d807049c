import helmet from 'helmet';

/**
 * Security headers of the pages and their assets (helmet): a Content-Security-Policy that allows
 * only this origin's scripts, styles and requests (no inline code), no framing, no referrer
 * across origins. Applied to the page routes only: Swagger UI at /docs needs inline code.
 */
export const securityHeaders = helmet({
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'none'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'"],
      connectSrc: ["'self'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
      baseUri: ["'none'"],
    },
  },
  crossOriginEmbedderPolicy: true,
  referrerPolicy: { policy: 'same-origin' },
});
