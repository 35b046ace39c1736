// Options page: loads settings on open, saves on submit (asking for the API origin's
// permission first), then checks the key against the API and says clearly what it found.

import { normaliseApiUrl, originPattern } from '../background/settings.js';

const form = document.getElementById('settings');
const status = document.getElementById('status');
const presetSelect = document.getElementById('preset');

function say(text, tone = '') {
  status.textContent = text;
  status.className = tone;
}

function ask(message) {
  return chrome.runtime.sendMessage(message);
}

function fillPresets(presets, current) {
  const list = presets.length ? presets : [{ slug: current, name: current }];
  presetSelect.replaceChildren(...list.map((preset) => {
    const option = document.createElement('option');
    option.value = preset.slug;
    option.textContent = preset.name || preset.slug;
    option.selected = preset.slug === current;
    return option;
  }));
}

async function refreshPresets(current) {
  const answer = await ask({ type: 'presets' });
  fillPresets(answer?.ok ? answer.presets : [], current);
}

function describeKey(check) {
  if (check.team) {
    const role = check.key?.role ? ` as ${check.key.role}` : '';
    return `Saved. The key works for team ${check.team.name}${role}.`;
  }
  return 'Saved. The key works.';
}

function describeFailure(error, apiUrl) {
  switch (error?.kind) {
    case 'unauthorized': return 'Saved, but the API refused this key (401). Check it and save again.';
    case 'forbidden': return 'Saved, but this key is not allowed to use the API (403).';
    case 'unreachable': return `Saved, but the API at ${apiUrl} can't be reached.`;
    case 'not_configured': return 'Saved. Add an API key to start softening replies.';
    default: return `Saved, but the key check failed: ${error?.message || 'unknown error'}.`;
  }
}

async function load() {
  const answer = await ask({ type: 'getSettings' });
  if (!answer?.ok) {
    say('Could not load the settings.', 'bad');
    return;
  }
  const { settings } = answer;
  for (const name of ['apiUrl', 'apiKey', 'agentName', 'channel']) form.elements[name].value = settings[name] || '';
  form.elements.liveTone.checked = settings.liveTone !== false;
  fillPresets([], settings.preset);
  if (settings.hasKey) refreshPresets(settings.preset);
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  let origin;
  try {
    origin = originPattern(normaliseApiUrl(form.elements.apiUrl.value));
  } catch {
    say('The API URL must be a full address such as https://kindly.example.com.', 'bad');
    return;
  }
  // Ask while the click still counts as a user gesture (the quick check keeps it alive).
  const granted = await chrome.permissions.contains({ origins: [origin] })
    || await chrome.permissions.request({ origins: [origin] });
  if (!granted) {
    say(`Kindly needs permission to reach ${origin.replace('/*', '')}. Nothing was saved.`, 'bad');
    return;
  }
  const settings = {
    apiUrl: form.elements.apiUrl.value,
    apiKey: form.elements.apiKey.value,
    agentName: form.elements.agentName.value,
    preset: presetSelect.value,
    channel: form.elements.channel.value,
    liveTone: form.elements.liveTone.checked,
  };
  const saved = await ask({ type: 'saveSettings', settings });
  if (!saved?.ok) {
    say(`Not saved: ${saved?.error?.message || 'unknown error'}.`, 'bad');
    return;
  }
  say('Saved. Checking the key…');
  const check = await ask({ type: 'checkKey' });
  if (check?.ok) {
    say(describeKey(check), 'good');
    if (check.presets?.length) fillPresets(check.presets, saved.settings.preset);
    else refreshPresets(saved.settings.preset);
  } else {
    say(describeFailure(check?.error, saved.settings.apiUrl), 'bad');
  }
});

load();
