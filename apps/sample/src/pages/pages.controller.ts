import {
  Controller,
  Get,
  Header,
  Inject,
  Logger,
  NotFoundException,
  Param,
  Res,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { ApiExcludeController } from '@nestjs/swagger';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SampleConfig } from '../config/sample.config';
import { ACCOUNT_PAGE, ADMIN_PAGE } from './pages.html';
import { PAGES_CSS } from './pages.styles';

const ASSET_NAME = /^[a-z][a-z0-9-]*\.js$/;

/** Reads the compiled page scripts once; a missing directory leaves the pages without scripts (and says so). */
function loadScripts(dir: string): Map<string, string> {
  const scripts = new Map<string, string>();
  try {
    for (const name of readdirSync(dir)) {
      if (ASSET_NAME.test(name)) scripts.set(name, readFileSync(join(dir, name), 'utf8'));
    }
  } catch (error) {
    new Logger('Sample').warn(
      `No page scripts in ${dir} (${(error as Error).message}): run npm run build`,
    );
  }
  return scripts;
}

/** The "Your devices" and admin pages, and their scripts and stylesheet. */
@ApiExcludeController()
@Controller()
export class PagesController {
  private readonly scripts: Map<string, string>;

  constructor(
    @Inject(SampleConfig) config: SampleConfig,
    @Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost,
  ) {
    this.scripts = loadScripts(config.webAssetsDir);
  }

  @Get('account')
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-cache')
  account(): string {
    return ACCOUNT_PAGE;
  }

  @Get('admin')
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-cache')
  admin(): string {
    return ADMIN_PAGE;
  }

  @Get('assets/pages.css')
  @Header('Content-Type', 'text/css; charset=utf-8')
  @Header('Cache-Control', 'no-cache')
  stylesheet(): string {
    return PAGES_CSS;
  }

  @Get('assets/:name')
  @Header('Cache-Control', 'no-cache')
  script(@Param('name') name: string, @Res({ passthrough: true }) response: unknown): string {
    const script = this.scripts.get(name);
    if (script === undefined) {
      throw new NotFoundException({
        statusCode: 404,
        error: 'not_found',
        message: 'No such asset',
      });
    }
    this.adapterHost.httpAdapter.setHeader(
      response,
      'Content-Type',
      'text/javascript; charset=utf-8',
    );
    return script;
  }
}
