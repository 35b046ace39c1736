// Service worker: the only place that holds the API key and talks to the Kindly API.
// Content scripts and extension pages ask it for things by message; every message is checked.

import { ApiError, checkKey, checkTone, listPresets, rewrite } from './api_client.js';
import { flushFeedback, recordFeedback } from './feedback_queue.js';
import { loadSettings, saveSettings } from './settings.js';
import { disableSite, enableSite, siteStatus, syncRegistration } from './sites.js';

const MAX_DRAFT_CHARS = 100000; // the API has the real limit (413); this only stops abuse
const MAX_CONTEXT_CHARS = 20000;
const MAX_TONE_CHARS = 20000; // the API's limit for /v1/tone
const OUTCOMES = ['accepted', 'edited', 'rejected'];
const ACTIONS = ['soften', 'shorten', 'simplify', 'formal', 'friendly', 'fix_grammar'];

// Keep the key away from content scripts, which can otherwise read storage.local.
chrome.storage.local.setAccessLevel?.({ accessLevel: 'TRUSTED_CONTEXTS' }).catch(() => {});

chrome.runtime.onInstalled.addListener(() => {
  syncRegistration().catch(() => {});
});
chrome.runtime.onStartup.addListener(() => {
  syncRegistration().catch(() => {});
});

function runCommand(command, tab) {
  if (command === 'soften-reply' && Number.isInteger(tab?.id)) {
    chrome.tabs.sendMessage(tab.id, { type: 'soften-focused' }).catch(() => {});
  }
}
chrome.commands.onCommand.addListener(runCommand);

const OUR_PAGES = chrome.runtime.getURL('');

// Options and popup pages (even when opened in a tab) are ours; content scripts run on
// other origins' pages. Nothing else (web pages, other extensions) is served at all.
function isExtensionPage(sender) {
  return sender.id === chrome.runtime.id && typeof sender.url === 'string'
    && sender.url.startsWith(OUR_PAGES);
}

function isOurContentScript(sender) {
  return sender.id === chrome.runtime.id && Number.isInteger(sender.tab?.id)
    && !isExtensionPage(sender);
}

function optionalText(value, limit) {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new ApiError('invalid', 'Expected text.');
  return value.slice(0, limit);
}

// Builds the API request body from a content script's message, trusting nothing in it.
function rewriteJob(message, settings) {
  if (typeof message.draft !== 'string') throw new ApiError('invalid', 'The draft must be text.');
  if (!message.draft.trim()) throw new ApiError('empty', 'The draft is empty.');
  if (message.draft.length > MAX_DRAFT_CHARS) {
    throw new ApiError('too_long', 'This draft is far too long to soften.');
  }
  const preset = typeof message.preset === 'string' && /^[a-z0-9][a-z0-9_-]{0,63}$/.test(message.preset)
    ? message.preset : settings.preset;
  const job = {
    draft: message.draft,
    format: message.format === 'html' ? 'html' : 'text',
    preset,
    channel: ['email', 'chat', 'social'].includes(message.channel) ? message.channel : settings.channel,
    action: ACTIONS.includes(message.action) ? message.action : 'soften',
  };
  const customerName = optionalText(message.customerName, 200);
  const customerMessage = optionalText(message.customerMessage, MAX_CONTEXT_CHARS);
  if (customerName) job.customer_name = customerName;
  if (customerMessage) job.customer_message = customerMessage;
  if (settings.agentName) job.agent_name = settings.agentName;
  return job;
}

function validFinding(f) {
  return f && typeof f.category === 'string' && typeof f.sentence === 'string'
    && Number.isInteger(f.start) && Number.isInteger(f.end);
}

function asErrorPayload(err) {
  if (err instanceof ApiError) return err.toJSON();
  return { kind: 'internal', message: String(err?.message || err) };
}

// The request bodies of the last rewrites this worker got answers for (oldest first).
const answered = new Set();
const ANSWERED_KEPT = 50;

function remember(key) {
  answered.delete(key);
  answered.add(key);
  if (answered.size > ANSWERED_KEPT) answered.delete(answered.values().next().value);
}

// Rewrites stream over a port: {type: 'delta'} messages, then one 'result' or 'error'.
chrome.runtime.onConnect.addListener((port) => {
  if (port.name !== 'rewrite' || !isOurContentScript(port.sender)) {
    port.disconnect();
    return;
  }
  const controller = new AbortController();
  port.onDisconnect.addListener(() => controller.abort());
  port.onMessage.addListener(async (message) => {
    const post = (payload) => {
      try {
        port.postMessage(payload);
      } catch {
        // The tab went away; nothing left to tell.
      }
    };
    try {
      const settings = await loadSettings();
      const job = rewriteJob(message || {}, settings);
      const key = JSON.stringify(job);
      // A job answered lately is most likely a cache hit, whose answer comes whole: plain
      // JSON is read sooner than an event stream.
      const stream = settings.stream && !answered.has(key);
      const result = await rewrite(
        { ...settings, stream }, job, (text) => post({ type: 'delta', text }), controller.signal,
      );
      remember(key);
      post({ type: 'result', result, apiUrl: settings.apiUrl });
      flushFeedback(settings).catch(() => {});
    } catch (err) {
      const settings = await loadSettings();
      post({ type: 'error', error: { ...asErrorPayload(err), apiUrl: settings.apiUrl } });
    }
  });
});

const CONTENT_HANDLERS = {
  async feedback(message) {
    if (typeof message.id !== 'string' || !/^[\w-]{1,128}$/.test(message.id)) {
      throw new ApiError('invalid', 'Bad rewrite id.');
    }
    if (!OUTCOMES.includes(message.outcome)) throw new ApiError('invalid', 'Bad outcome.');
    const sentText = message.outcome === 'edited' ? optionalText(message.sentText, MAX_DRAFT_CHARS) : undefined;
    const verdict = await recordFeedback(await loadSettings(), {
      id: message.id, outcome: message.outcome, sentText,
    });
    return { verdict };
  },
  // Live tone check while the agent types; quiet (no findings) when turned off in the settings.
  async tone(message) {
    if (typeof message.draft !== 'string') throw new ApiError('invalid', 'The draft must be text.');
    const settings = await loadSettings();
    const draft = message.draft.trim();
    if (!settings.liveTone || !settings.apiKey || !draft || draft.length > MAX_TONE_CHARS) {
      return { findings: [], summary: '' };
    }
    const answer = await checkTone(settings, draft);
    const findings = Array.isArray(answer.findings) ? answer.findings.filter(validFinding) : [];
    return { findings, summary: typeof answer.summary === 'string' ? answer.summary : '', draft };
  },
  // The pointer is on a Soften button: wake this worker and read the settings now, so the
  // click's rewrite doesn't wait for either.
  async warm() {
    await loadSettings();
    return {};
  },
  async presets() {
    const settings = await loadSettings();
    return { presets: await listPresets(settings), current: settings.preset };
  },
  // The page-level fallback for the keyboard shortcut mirrors whatever the user set.
  async shortcut() {
    const commands = await chrome.commands.getAll();
    return { shortcut: commands.find((c) => c.name === 'soften-reply')?.shortcut || '' };
  },
  async openOptions() {
    await chrome.runtime.openOptionsPage();
    return {};
  },
};

const PAGE_HANDLERS = {
  ...CONTENT_HANDLERS,
  async getSettings() {
    const { apiKey, ...rest } = await loadSettings();
    return { settings: { ...rest, hasKey: Boolean(apiKey), apiKey } };
  },
  async saveSettings(message) {
    const { apiKey, ...rest } = await saveSettings(message.settings || {});
    return { settings: { ...rest, hasKey: Boolean(apiKey) } };
  },
  async checkKey() {
    return checkKey(await loadSettings());
  },
  async siteStatus(message) {
    return siteStatus(message.url);
  },
  async enableSite(message) {
    return enableSite(message.url, message.tabId);
  },
  async disableSite(message) {
    return disableSite(message.url);
  },
};

chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
  if (!message || typeof message.type !== 'string') return false;
  let handlers = null;
  if (isExtensionPage(sender)) handlers = PAGE_HANDLERS;
  else if (isOurContentScript(sender)) handlers = CONTENT_HANDLERS;
  const handler = handlers && Object.hasOwn(handlers, message.type) ? handlers[message.type] : null;
  if (!handler) return false;
  handler(message, sender).then(
    (value) => sendResponse({ ok: true, ...value }),
    (err) => sendResponse({ ok: false, error: asErrorPayload(err) }),
  );
  return true; // answer asynchronously
});

// Exposed for the end-to-end tests, which drive the worker directly where a real user would
// click browser UI that tests can't reach (permission prompts, the toolbar popup).
globalThis.kindlyWorker = {
  enableSite, disableSite, siteStatus, loadSettings, saveSettings, runCommand,
};
