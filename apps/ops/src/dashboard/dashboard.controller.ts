import { Controller, Get, Header, NotFoundException, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Public } from '@app/platform';

/**
 * The page's own files live beside this source file (`public/`). A build (tsc) does not copy them to
 * dist/, so a node started from dist/ finds them in the source tree it was built from.
 */
function publicDir(): string {
  const candidates = [
    join(__dirname, 'public'),
    resolve(__dirname, '../../../../../apps/ops/src/dashboard/public'),
    resolve(process.cwd(), 'apps/ops/src/dashboard/public'),
  ];
  return candidates.find((dir) => existsSync(join(dir, 'index.html'))) ?? candidates[0];
}

interface Asset {
  file: () => string;
  type: string;
  /** Seconds a browser may keep it. */
  maxAge: number;
}

/** Every file the page may load, by name: nothing else under /ops/assets is served. */
const ASSETS: Record<string, Asset> = {
  'ops.js': { file: () => join(publicDir(), 'ops.js'), type: 'text/javascript', maxAge: 0 },
  'ops.css': { file: () => join(publicDir(), 'ops.css'), type: 'text/css', maxAge: 0 },
  // Chart.js and Mermaid from node_modules: the browser of an operator may have no internet.
  'chart.umd.min.js': {
    file: () => join(dirname(require.resolve('chart.js')), 'chart.umd.min.js'),
    type: 'text/javascript',
    maxAge: 86_400,
  },
  'mermaid.min.js': {
    file: () => require.resolve('mermaid/dist/mermaid.min.js'),
    type: 'text/javascript',
    maxAge: 86_400,
  },
};

/**
 * The page's script may only talk to this origin; Mermaid puts inline styles in its SVG. No
 * referrer leaves the page (a `?token=` in its address must not travel anywhere).
 */
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; font-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/** The operations dashboard: a static page (no build step) that reads the ops API with a token. */
@ApiExcludeController()
@Public()
@Controller('ops')
export class DashboardController {
  @Get()
  @Header('Content-Security-Policy', CSP)
  @Header('Referrer-Policy', 'no-referrer')
  @Header('X-Content-Type-Options', 'nosniff')
  @Header('Cache-Control', 'no-store')
  page(@Res() res: Response): void {
    res.type('html').sendFile(join(publicDir(), 'index.html'));
  }

  @Get('assets/:file')
  asset(@Param('file') name: string, @Res() res: Response): void {
    const asset = Object.prototype.hasOwnProperty.call(ASSETS, name) ? ASSETS[name] : undefined;
    let file: string | undefined;
    try {
      file = asset?.file();
    } catch {
      file = undefined; // the package is not installed
    }
    if (!asset || !file || !existsSync(file))
      throw new NotFoundException({ error: 'Not Found', message: `no asset ${name}` });
    res.setHeader('Content-Type', `${asset.type}; charset=utf-8`);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Cache-Control', asset.maxAge ? `public, max-age=${asset.maxAge}` : 'no-cache');
    res.sendFile(file);
  }
}
