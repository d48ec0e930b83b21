/**
 * GET /docs: a self-contained HTML page (no CDN, no fonts, no scripts) that
 * lists the operations of /openapi.json, so it works on an offline LAN.
 */

interface OperationLike {
  summary?: string;
  description?: string;
  tags?: string[];
  security?: unknown[];
  parameters?: Array<{ name?: string; in?: string; required?: boolean; description?: string }>;
  requestBody?: { content?: Record<string, unknown> };
  responses?: Record<string, { description?: string }>;
}

export interface OpenApiLike {
  info: { title: string; version: string; description?: string };
  paths?: Record<string, Record<string, OperationLike> | undefined>;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

function renderOperation(method: string, path: string, op: OperationLike): string {
  const params = (op.parameters ?? [])
    .map((p) => `<li><code>${esc(p.name ?? '')}</code> (${esc(p.in ?? '')}${p.required ? ', required' : ''}) ${esc(p.description ?? '')}</li>`)
    .join('');
  const body = op.requestBody?.content ? `<p>Body: ${Object.keys(op.requestBody.content).map((t) => `<code>${esc(t)}</code>`).join(', ')}</p>` : '';
  const responses = Object.entries(op.responses ?? {})
    .map(([status, r]) => `<li><code>${esc(status)}</code> ${esc(r.description ?? '')}</li>`)
    .join('');
  return `<section class="op">
<h2><span class="m ${esc(method)}">${esc(method.toUpperCase())}</span> <code>${esc(path)}</code></h2>
<p>${esc(op.summary ?? '')}</p>${op.description ? `<p class="d">${esc(op.description)}</p>` : ''}
${op.security?.length ? '<p>Auth: <code>Authorization: Bearer &lt;secret&gt;</code></p>' : ''}
${params ? `<h3>Parameters</h3><ul>${params}</ul>` : ''}${body}
<h3>Responses</h3><ul>${responses}</ul>
</section>`;
}

export function renderDocsPage(doc: OpenApiLike): string {
  const ops = Object.entries(doc.paths ?? {}).flatMap(([path, item]) =>
    METHODS.filter((m) => item?.[m] !== undefined).map((m) => renderOperation(m, path, item![m]!)),
  );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(doc.info.title)} ${esc(doc.info.version)}</title>
<style>
body{font:15px/1.45 system-ui,sans-serif;max-width:56rem;margin:2rem auto;padding:0 1rem;color:#222}
.op{border:1px solid #ccc;border-radius:6px;padding:.5rem 1rem;margin:1rem 0}
.m{display:inline-block;min-width:4rem;text-align:center;border-radius:4px;color:#fff;background:#555;font-size:.8em;padding:.1rem .4rem}
.m.get{background:#1b6ac9}.m.post{background:#2e7d32}.m.delete{background:#c62828}
code{background:#f3f3f3;padding:0 .2rem}.d{color:#444}
</style></head><body>
<h1>${esc(doc.info.title)} <small>${esc(doc.info.version)}</small></h1>
<p>${esc(doc.info.description ?? '')} Machine-readable: <code>GET /openapi.json</code>. Errors are <code>application/problem+json</code> (RFC 9457).</p>
${ops.join('\n')}
</body></html>`;
}
