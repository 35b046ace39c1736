// Every call to the Kindly API: rewrite (plain JSON or event stream), key check, presets, feedback.

const TIMEOUT_MS = 45000;

// One error type with a `kind` the content script turns into a clear message.
export class ApiError extends Error {
  constructor(kind, message, extra = {}) {
    super(message);
    this.kind = kind;
    this.status = extra.status || 0;
    this.retryAfter = extra.retryAfter ?? null;
    this.fields = extra.fields || null;
  }

  toJSON() {
    return {
      kind: this.kind,
      message: this.message,
      status: this.status,
      retryAfter: this.retryAfter,
      fields: this.fields,
    };
  }
}

const KIND_BY_STATUS = {
  400: 'invalid',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  413: 'too_long',
  422: 'invalid',
  429: 'rate_limited',
};

async function request(settings, method, path, body, signal) {
  if (!settings.apiKey) throw new ApiError('not_configured', 'No API key is set.');
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
  signal?.addEventListener('abort', () => controller.abort());
  let response;
  try {
    response = await fetch(settings.apiUrl + path, {
      method,
      headers: {
        Authorization: `Bearer ${settings.apiKey}`,
        ...(body ? { 'Content-Type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
      signal: controller.signal,
      credentials: 'omit',
    });
  } catch (err) {
    clearTimeout(timer);
    throw new ApiError('unreachable', `Could not reach ${settings.apiUrl}.`);
  }
  clearTimeout(timer);
  if (!response.ok) throw await errorFrom(response);
  return response;
}

async function errorFrom(response) {
  let payload = {};
  try {
    payload = await response.json();
  } catch {
    // A proxy in front of the API may answer with HTML; the status alone is enough.
  }
  let kind = KIND_BY_STATUS[response.status] || (response.status >= 500 ? 'server' : 'invalid');
  // A draft over the API's length limit is refused by validation (422): say "too long".
  const draftProblems = payload.errors?.json?.draft;
  if (kind === 'invalid' && Array.isArray(draftProblems) && /long|length|max/i.test(draftProblems.join(' '))) {
    kind = 'too_long';
    payload.message = draftProblems.join(' ');
  }
  const retryHeader = response.headers.get('Retry-After');
  const retryAfter = retryHeader && /^\d+$/.test(retryHeader) ? Number(retryHeader) : null;
  const message = typeof payload.message === 'string' ? payload.message : response.statusText;
  return new ApiError(kind, message || `HTTP ${response.status}`, {
    status: response.status,
    retryAfter,
    fields: payload.errors && typeof payload.errors === 'object' ? payload.errors : null,
  });
}

// Reads "event:"/"data:" blocks from a text/event-stream body and hands each to onEvent.
async function readEventStream(body, onEvent) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value.replace(/\r\n/g, '\n');
    let cut;
    while ((cut = buffer.indexOf('\n\n')) !== -1) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      let event = 'message';
      const data = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      if (data.length) onEvent(event, data.join('\n'));
    }
  }
}

// Returns the final result object; calls onDelta(text) for each streamed piece.
export async function rewrite(settings, job, onDelta, signal) {
  const wantStream = Boolean(settings.stream && onDelta);
  const response = await request(
    settings, 'POST', '/v1/rewrite', { ...job, stream: wantStream }, signal,
  );
  const type = response.headers.get('Content-Type') || '';
  if (!type.includes('text/event-stream')) return response.json();
  let result = null;
  let failure = null;
  await readEventStream(response.body, (event, data) => {
    let parsed;
    try {
      parsed = JSON.parse(data);
    } catch {
      return;
    }
    if (event === 'delta' && typeof parsed.text === 'string') onDelta(parsed.text);
    else if (event === 'result') result = parsed;
    else if (event === 'error') failure = parsed;
  });
  if (failure) {
    const kind = KIND_BY_STATUS[failure.code] || 'server';
    throw new ApiError(kind, failure.message || 'The rewrite failed.', { status: failure.code });
  }
  if (!result) throw new ApiError('server', 'The stream ended without a result.');
  return result;
}

// Who this key belongs to. Falls back to /v1/presets on servers without /v1/me.
export async function checkKey(settings) {
  try {
    const me = await (await request(settings, 'GET', '/v1/me')).json();
    return { verified: true, team: me.team || null, key: me.key || null, presets: me.presets || null };
  } catch (err) {
    if (err.kind !== 'not_found') throw err;
  }
  const presets = await listPresets(settings);
  return { verified: true, team: null, key: null, presets };
}

export async function listPresets(settings) {
  const body = await (await request(settings, 'GET', '/v1/presets')).json();
  const items = Array.isArray(body.items) ? body.items : [];
  return items
    .filter((p) => p && typeof p.slug === 'string')
    .map((p) => ({ slug: p.slug, name: typeof p.name === 'string' ? p.name : p.slug }));
}

// The draft's harsh wording, for the live indicator: {findings, counts, summary}. An API
// without /v1/tone (older servers) answers 404: that is "nothing to show", not an error.
export async function checkTone(settings, draft, signal) {
  try {
    return await (await request(settings, 'POST', '/v1/tone', { draft }, signal)).json();
  } catch (err) {
    if (err.kind === 'not_found') return { findings: [], counts: {}, summary: '' };
    throw err;
  }
}

export async function sendFeedback(settings, rewriteId, outcome, sentText) {
  const body = { outcome };
  if (typeof sentText === 'string') body.sent_text = sentText;
  await request(settings, 'POST', `/v1/rewrites/${encodeURIComponent(rewriteId)}/feedback`, body);
}
