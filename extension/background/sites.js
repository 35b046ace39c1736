// Sites the user turned Kindly on for from the popup: the generic adapter is registered there.

const SCRIPT_ID = 'kindly-generic';
const GENERIC_FILES = [
  'content/text_diff.js',
  'content/editor_text.js',
  'content/layout.js',
  'content/panel.js',
  'content/adapters/generic.js',
  'content/main.js',
];
// These already have their own adapter from the manifest.
const BUILT_IN = [/^https:\/\/mail\.google\.com$/, /^https:\/\/[a-z0-9-]+\.zendesk\.com$/];

export function siteOrigin(url) {
  const parsed = new URL(url);
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new Error('Kindly can only run on http and https pages.');
  }
  return parsed.origin;
}

export function isBuiltIn(origin) {
  return BUILT_IN.some((pattern) => pattern.test(origin));
}

async function enabledOrigins() {
  const stored = await chrome.storage.local.get('enabledSites');
  return Array.isArray(stored.enabledSites) ? stored.enabledSites : [];
}

// Re-registers one dynamic content script covering every enabled origin we still hold
// permission for (the user may have revoked some in chrome://extensions).
export async function syncRegistration() {
  const origins = [];
  for (const origin of await enabledOrigins()) {
    if (await chrome.permissions.contains({ origins: [`${origin}/*`] })) origins.push(origin);
  }
  const existing = await chrome.scripting.getRegisteredContentScripts({ ids: [SCRIPT_ID] });
  if (existing.length) await chrome.scripting.unregisterContentScripts({ ids: [SCRIPT_ID] });
  if (!origins.length) return origins;
  await chrome.scripting.registerContentScripts([{
    id: SCRIPT_ID,
    matches: origins.map((origin) => `${origin}/*`),
    js: GENERIC_FILES,
    runAt: 'document_idle',
    // Editors in frames too, including the about:srcdoc / about:blank frames that iframe
    // editors (TinyMCE) write their body into; those frames take their parent's origin.
    allFrames: true,
    matchOriginAsFallback: true,
    persistAcrossSessions: true,
  }]);
  return origins;
}

export async function siteStatus(url) {
  const origin = siteOrigin(url);
  if (isBuiltIn(origin)) return { origin, builtIn: true, enabled: true };
  return { origin, builtIn: false, enabled: (await enabledOrigins()).includes(origin) };
}

// The caller (popup) must already hold the origin permission: it asks for it on the click.
export async function enableSite(url, tabId) {
  const origin = siteOrigin(url);
  if (isBuiltIn(origin)) return siteStatus(url);
  if (!(await chrome.permissions.contains({ origins: [`${origin}/*`] }))) {
    throw new Error(`Kindly does not have permission for ${origin}.`);
  }
  const origins = await enabledOrigins();
  if (!origins.includes(origin)) {
    await chrome.storage.local.set({ enabledSites: [...origins, origin] });
  }
  await syncRegistration();
  // The page is already open: inject now so the user need not reload.
  if (Number.isInteger(tabId)) {
    await chrome.scripting.executeScript({ target: { tabId, allFrames: true }, files: GENERIC_FILES });
  }
  return siteStatus(url);
}

export async function disableSite(url) {
  const origin = siteOrigin(url);
  const origins = (await enabledOrigins()).filter((o) => o !== origin);
  await chrome.storage.local.set({ enabledSites: origins });
  await syncRegistration();
  return siteStatus(url);
}
