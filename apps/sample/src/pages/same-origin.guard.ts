import { CanActivate, ExecutionContext, ForbiddenException, Injectable } from '@nestjs/common';

/** The header every cookie-authenticated request of the pages sends: a cross-site form cannot set it. */
export const CSRF_HEADER = 'x-requested-with';
export const CSRF_HEADER_VALUE = 'fetch';

type RequestLike = {
  protocol?: string;
  headers: Record<string, string | string[] | undefined>;
};

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])(?::\d+)?$/i;

function refuse(message: string): ForbiddenException {
  return new ForbiddenException({ statusCode: 403, error: 'cross_site_request', message });
}

/**
 * CSRF defence of the routes the session cookie authenticates: the request must come from a page
 * of this origin (`Origin` equal to the app's own, `Sec-Fetch-Site: same-origin` where sent) and
 * carry `X-Requested-With: fetch`, which a form cannot send and a cross-origin script could only
 * send after a CORS preflight this app never grants. The cookie is `Secure`, so the page must be
 * served over HTTPS, or from localhost.
 */
@Injectable()
export class SameOriginGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<RequestLike>();
    const { headers } = request;
    const host = typeof headers.host === 'string' ? headers.host : '';
    const scheme = request.protocol === 'https' ? 'https' : 'http';
    if (headers.origin !== `${scheme}://${host}`) {
      throw refuse('Origin must be this site');
    }
    const site = headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin') throw refuse('Cross-site request');
    if (headers[CSRF_HEADER] !== CSRF_HEADER_VALUE) {
      throw refuse(`${CSRF_HEADER}: ${CSRF_HEADER_VALUE} is required`);
    }
    if (scheme !== 'https' && !LOOPBACK.test(host)) {
      throw new ForbiddenException({
        statusCode: 403,
        error: 'https_required',
        message: 'Browser sessions need HTTPS (or localhost)',
      });
    }
    return true;
  }
}
