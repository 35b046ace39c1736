// Toolbar popup: turns Kindly on or off for the current site (asking for that site's
// permission at the moment of the click) and opens the options page.

const siteLine = document.getElementById('site');
const toggle = document.getElementById('toggle');
let tab = null;
let status = null;

function show(nextStatus) {
  status = nextStatus;
  if (status.builtIn) {
    siteLine.textContent = `Kindly is always on at ${status.origin}.`;
    toggle.hidden = true;
    return;
  }
  siteLine.textContent = status.enabled
    ? `Kindly is on for ${status.origin}.`
    : `Kindly is off for ${status.origin}.`;
  toggle.textContent = status.enabled ? 'Turn off for this site' : 'Turn on for this site';
  toggle.hidden = false;
}

toggle.addEventListener('click', async () => {
  if (!status || !tab) return;
  if (status.enabled) {
    const answer = await chrome.runtime.sendMessage({ type: 'disableSite', url: tab.url });
    if (answer?.ok) show(answer);
    return;
  }
  const granted = await chrome.permissions.request({ origins: [`${status.origin}/*`] });
  if (!granted) {
    siteLine.textContent = 'Kindly needs permission for this site to help here.';
    return;
  }
  const answer = await chrome.runtime.sendMessage({ type: 'enableSite', url: tab.url, tabId: tab.id });
  if (answer?.ok) show(answer);
  else siteLine.textContent = answer?.error?.message || 'Could not turn Kindly on here.';
});

document.getElementById('options').addEventListener('click', () => chrome.runtime.openOptionsPage());

async function load() {
  [tab] = await chrome.tabs.query({ active: true, currentWindow: true });
  if (!tab?.url || !/^https?:/.test(tab.url)) {
    siteLine.textContent = 'Open a help desk or web page to use Kindly there.';
    return;
  }
  const answer = await chrome.runtime.sendMessage({ type: 'siteStatus', url: tab.url });
  if (answer?.ok) show(answer);
}

load();
