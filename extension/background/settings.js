// Reads and writes the extension's settings in chrome.storage.local (trusted contexts only).

export const DEFAULT_SETTINGS = Object.freeze({
  apiUrl: 'http://127.0.0.1:8000',
  apiKey: '',
  agentName: '',
  preset: 'warm',
  channel: 'email',
  stream: true,
  liveTone: true, // check the tone while the agent types (POST /v1/tone)
});

const CHANNELS = ['email', 'chat', 'social'];
const SETTINGS_KEY = 'settings';

// Kept in memory while the worker lives (every rewrite needs them), and dropped whenever
// storage changes, from this worker or from anywhere else.
let cached = null;
chrome.storage.onChanged.addListener((changes, area) => {
  if (area === 'local' && SETTINGS_KEY in changes) cached = null;
});

export async function loadSettings() {
  if (!cached) {
    cached = chrome.storage.local.get(SETTINGS_KEY)
      .then((stored) => ({ ...DEFAULT_SETTINGS, ...(stored[SETTINGS_KEY] || {}) }))
      .catch((err) => {
        cached = null;
        throw err;
      });
  }
  return { ...(await cached) };
}

// Only known fields with the right types are kept, so a bad message can't plant junk.
export function cleanSettings(input) {
  const out = {};
  if (typeof input.apiUrl === 'string') out.apiUrl = normaliseApiUrl(input.apiUrl);
  if (typeof input.apiKey === 'string') out.apiKey = input.apiKey.trim().slice(0, 512);
  if (typeof input.agentName === 'string') out.agentName = input.agentName.trim().slice(0, 120);
  if (typeof input.preset === 'string' && /^[a-z0-9][a-z0-9_-]{0,63}$/.test(input.preset)) {
    out.preset = input.preset;
  }
  if (CHANNELS.includes(input.channel)) out.channel = input.channel;
  if (typeof input.stream === 'boolean') out.stream = input.stream;
  if (typeof input.liveTone === 'boolean') out.liveTone = input.liveTone;
  return out;
}

export async function saveSettings(input) {
  const merged = { ...(await loadSettings()), ...cleanSettings(input) };
  cached = null;
  await chrome.storage.local.set({ [SETTINGS_KEY]: merged });
  cached = null;
  return merged;
}

// "https://kindly.example.com/" -> "https://kindly.example.com"; throws on anything but http(s).
export function normaliseApiUrl(value) {
  const url = new URL(value.trim());
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error('The API URL must start with http:// or https://');
  }
  return (url.origin + url.pathname).replace(/\/+$/, '');
}

export function originPattern(apiUrl) {
  const url = new URL(apiUrl);
  return `${url.protocol}//${url.hostname}/*`;
}
