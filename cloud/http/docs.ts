/**
 * GET /docs: the OpenAPI document of /openapi.json rendered by Scalar (@scalar/hono-api-reference),
 * a maintained renderer with a request console, instead of a page of our own. Scalar's browser
 * bundle is served by the relay itself from the @scalar/api-reference package (GET /docs/scalar.js)
 * rather than from Scalar's default CDN, so the page works where browsers cannot reach the
 * internet and no third party sees who reads the API (docs/rest-api.md).
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { Scalar } from '@scalar/hono-api-reference';
import type { Hono } from 'hono';
import type { AppEnv } from './env.ts';

export const DOCS_PATH = '/docs';
export const DOCS_SCRIPT_PATH = '/docs/scalar.js';

/** The standalone browser build inside the package (its exports map hides the file from import). */
function scalarBundlePath(): string {
  return createRequire(import.meta.url).resolve('@scalar/api-reference/browser/standalone.js');
}

export function mountDocs(app: Hono<AppEnv>, options: { specUrl: string; title: string }): void {
  let bundle: Promise<Buffer> | undefined;
  app.get(DOCS_SCRIPT_PATH, async (c) => {
    // Read on first use, then kept: 3.5 MB nobody needs until someone opens /docs.
    bundle ??= readFile(scalarBundlePath());
    return c.body(new Uint8Array(await bundle), 200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'public, max-age=86400' });
  });
  app.get(DOCS_PATH, Scalar({ url: options.specUrl, pageTitle: options.title, cdn: DOCS_SCRIPT_PATH }) as never);
}
