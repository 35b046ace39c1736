// Feedback that could not be delivered waits here (chrome.storage.local) and is retried later.

import { sendFeedback } from './api_client.js';

const QUEUE_KEY = 'feedbackQueue';
const MAX_ITEMS = 50;
const MAX_TRIES = 5;
// Worth retrying: the API was down, or the feedback endpoint does not exist yet (404).
const RETRY_KINDS = new Set(['unreachable', 'server', 'not_found', 'rate_limited']);

async function readQueue() {
  const stored = await chrome.storage.local.get(QUEUE_KEY);
  return Array.isArray(stored[QUEUE_KEY]) ? stored[QUEUE_KEY] : [];
}

async function writeQueue(items) {
  await chrome.storage.local.set({ [QUEUE_KEY]: items.slice(-MAX_ITEMS) });
}

async function attempt(settings, item) {
  try {
    await sendFeedback(settings, item.id, item.outcome, item.sentText);
    return 'sent';
  } catch (err) {
    return RETRY_KINDS.has(err.kind) ? 'retry' : 'drop';
  }
}

export async function recordFeedback(settings, item) {
  const verdict = await attempt(settings, item);
  if (verdict === 'retry') await writeQueue([...(await readQueue()), { ...item, tries: 1 }]);
  return verdict;
}

export async function flushFeedback(settings) {
  const queue = await readQueue();
  if (!queue.length || !settings.apiKey) return;
  const kept = [];
  for (const item of queue) {
    if ((await attempt(settings, item)) === 'retry' && item.tries + 1 < MAX_TRIES) {
      kept.push({ ...item, tries: item.tries + 1 });
    }
  }
  await writeQueue(kept);
}
