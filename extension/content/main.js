// Wires the site adapter to the page: one "Soften reply" button per reply editor (kept in step
// with re-renders by a MutationObserver), the preview flow, Accept/Undo, and feedback.
(() => {
  const kindly = (globalThis.kindly = globalThis.kindly || {});
  if (kindly.started || !kindly.adapter) return;
  kindly.started = true;

  const adapter = kindly.adapter;
  const { normalise, readText, undoLastWrite } = kindly.editorText;
  const overlay = new kindly.Overlay();
  const controllers = new Map(); // editor element -> controller; WeakMap can't be iterated
  const lifetime = new AbortController();
  let presetsCache = null;
  let lastFocusedEditor = null;

  function sendToWorker(message) {
    try {
      return chrome.runtime.sendMessage(message).catch(() => ({ ok: false }));
    } catch {
      return Promise.resolve({ ok: false }); // the extension was reloaded under this page
    }
  }

  async function loadPresets() {
    if (presetsCache) return presetsCache;
    const answer = await sendToWorker({ type: 'presets' });
    if (answer?.ok && answer.presets.length) presetsCache = answer;
    return answer?.ok ? answer : { presets: [], current: null };
  }

  class EditorController {
    constructor(editor) {
      this.editor = editor;
      this.button = overlay.addButton(() => this.soften(null));
      this.port = null;
      this.job = null; // {draft, preset, result}
      this.accepted = null; // {id, text, lastSeen, draft, method}
      editor.addEventListener('focusin', () => { lastFocusedEditor = editor; }, { signal: lifetime.signal });
      editor.addEventListener('input', () => this.noteEdit(), { signal: lifetime.signal });
    }

    place() {
      const rect = this.editor.getBoundingClientRect();
      const visible = rect.width > 0 && rect.height > 0 && this.editor.isConnected;
      this.button.hidden = !visible;
      if (!visible) return;
      const width = this.button.offsetWidth || 96;
      this.button.style.top = `${Math.max(0, rect.bottom - 32)}px`;
      this.button.style.left = `${Math.max(0, rect.right - width - 8)}px`;
    }

    dispose() {
      this.finishFeedback();
      this.port?.disconnect();
      this.button.remove();
      if (overlay.handlers?.owner === this) overlay.close();
    }

    handlers() {
      return {
        owner: this,
        onAccept: () => this.accept(),
        onUndo: () => this.undo(),
        onCancel: () => this.cancel(),
        onClose: () => this.closePanel(),
        onRetry: (preset) => this.soften(preset),
        onOpenOptions: () => sendToWorker({ type: 'openOptions' }),
      };
    }

    async soften(preset) {
      if (this.port) return; // a rewrite for this editor is already on its way
      this.finishFeedback();
      overlay.open(this.handlers());
      const draft = adapter.readDraft(this.editor);
      if (!draft.trim()) {
        overlay.showError({ kind: 'empty' });
        return;
      }
      const known = await loadPresets();
      let chosen = preset || known.current || 'warm';
      // "Try another preset" with the same preset selected moves on to the next one.
      if (preset && this.job?.preset === preset && known.presets.length > 1) {
        const slugs = known.presets.map((p) => p.slug);
        chosen = slugs[(slugs.indexOf(preset) + 1) % slugs.length];
      }
      const label = known.presets.find((p) => p.slug === chosen)?.name || chosen;
      this.job = { draft, preset: chosen, result: null };
      overlay.showBusy(label);
      const context = adapter.readContext(this.editor);
      let port;
      try {
        port = chrome.runtime.connect({ name: 'rewrite' });
      } catch {
        // The extension was updated or reloaded; this old copy of the script is cut off.
        overlay.showError({ kind: 'reloaded' });
        return;
      }
      this.port = port;
      const ownsPanel = () => overlay.handlers?.owner === this;
      port.onMessage.addListener((message) => {
        if (this.port !== port) return;
        if (message.type === 'delta') {
          if (ownsPanel()) overlay.appendStream(message.text);
          return;
        }
        this.port = null;
        port.disconnect();
        if (!ownsPanel()) return; // the agent moved on to another editor meanwhile
        if (message.type === 'result') {
          this.job.result = message.result;
          overlay.showResult(draft, message.result, known.presets, chosen);
        } else {
          overlay.showError(message.error || { kind: 'internal' });
        }
      });
      port.onDisconnect.addListener(() => {
        if (this.port !== port) return;
        this.port = null;
        if (ownsPanel()) overlay.showError({ kind: 'unreachable' });
      });
      port.postMessage({
        draft,
        preset: chosen,
        channel: adapter.channel || undefined,
        customerName: context.customerName,
        customerMessage: context.customerMessage,
      });
    }

    async accept() {
      const { draft, result } = this.job || {};
      if (!result) return;
      // Never overwrite words typed after the rewrite was asked for.
      if (normalise(adapter.readDraft(this.editor)) !== normalise(draft)) {
        overlay.showError({ kind: 'draft_changed' });
        return;
      }
      const method = await adapter.writeText(this.editor, result.rewrite);
      if (normalise(adapter.readDraft(this.editor)) !== normalise(result.rewrite)) {
        await this.restore(draft, method);
        overlay.showError({ kind: 'write_failed' });
        return;
      }
      this.accepted = { id: result.id, text: result.rewrite, lastSeen: result.rewrite, draft, method };
      overlay.showAccepted();
    }

    // Puts the draft back: the editor's own undo first (keeps formatting), then plain text.
    async restore(draft, method) {
      if (normalise(adapter.readDraft(this.editor)) === normalise(draft)) return;
      await undoLastWrite(this.editor, method);
      if (normalise(adapter.readDraft(this.editor)) !== normalise(draft)) {
        await adapter.writeText(this.editor, draft);
      }
    }

    async undo() {
      const accepted = this.accepted;
      if (!accepted) return;
      this.accepted = null;
      await this.restore(accepted.draft, accepted.method);
      sendToWorker({ type: 'feedback', id: accepted.id, outcome: 'rejected' });
      overlay.showRestored();
    }

    cancel() {
      if (this.port) {
        this.port.disconnect();
        this.port = null;
      }
      const id = this.job?.result?.id;
      if (id) sendToWorker({ type: 'feedback', id, outcome: 'rejected' });
      this.job = null;
      this.closePanel();
    }

    closePanel() {
      overlay.close();
      this.editor.focus({ preventScroll: true });
    }

    noteEdit() {
      if (!this.accepted) return;
      const text = adapter.readDraft(this.editor);
      if (text.trim()) this.accepted.lastSeen = text;
      else this.finishFeedback(); // the help desk clears the editor once the reply is sent
    }

    // Reports what happened to an accepted rewrite: sent as is, or edited first.
    finishFeedback() {
      const accepted = this.accepted;
      if (!accepted) return;
      this.accepted = null;
      const edited = normalise(accepted.lastSeen) !== normalise(accepted.text);
      sendToWorker({
        type: 'feedback',
        id: accepted.id,
        outcome: edited ? 'edited' : 'accepted',
        sentText: edited ? accepted.lastSeen : undefined,
      });
    }
  }

  function scan() {
    for (const [editor, controller] of controllers) {
      if (!editor.isConnected) {
        controllers.delete(editor);
        controller.dispose();
      } else if (controller.accepted) {
        controller.noteEdit();
      }
    }
    for (const editor of adapter.findEditors()) {
      if (!controllers.has(editor)) controllers.set(editor, new EditorController(editor));
    }
    overlay.ensureAttached();
    for (const controller of controllers.values()) controller.place();
  }

  let scheduled = false;
  function scheduleScan() {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(() => {
      scheduled = false;
      scan();
    });
  }

  function focusedController() {
    const active = document.activeElement;
    for (const [editor, controller] of controllers) {
      if (editor === active || editor.contains(active)) return controller;
    }
    if (lastFocusedEditor && controllers.has(lastFocusedEditor)) return controllers.get(lastFocusedEditor);
    return controllers.size === 1 ? [...controllers.values()][0] : null;
  }

  const observer = new MutationObserver((records) => {
    // Our own overlay changing must not wake us up again.
    if (records.every((r) => r.target === overlay.host || overlay.host.contains(r.target))) return;
    scheduleScan();
  });
  observer.observe(document.documentElement, { childList: true, subtree: true, characterData: true });
  lifetime.signal.addEventListener('abort', () => observer.disconnect());
  window.addEventListener('scroll', scheduleScan, { capture: true, passive: true, signal: lifetime.signal });
  window.addEventListener('resize', scheduleScan, { passive: true, signal: lifetime.signal });
  window.addEventListener('pagehide', () => {
    for (const controller of controllers.values()) controller.finishFeedback();
  }, { signal: lifetime.signal });

  // "Alt+Shift+K" -> does this keydown match it? Letters and digits by physical key, so the
  // Alt-modified characters some layouts produce still match.
  function matchesShortcut(event, shortcut) {
    if (!shortcut) return false;
    const parts = shortcut.split('+');
    const key = parts.pop();
    const wantCtrl = parts.includes('Ctrl') || parts.includes('Command') || parts.includes('MacCtrl');
    const code = /^[A-Z]$/.test(key) ? `Key${key}` : /^[0-9]$/.test(key) ? `Digit${key}` : null;
    return event.altKey === parts.includes('Alt')
      && event.shiftKey === parts.includes('Shift')
      && (event.ctrlKey || event.metaKey) === wantCtrl
      && (code ? event.code === code : event.key === key);
  }

  // The browser delivers the command through the worker. Where it can't (headless browsers,
  // some kiosk setups) the key reaches the page instead, and this listener takes it.
  sendToWorker({ type: 'shortcut' }).then((answer) => {
    const shortcut = answer?.ok ? answer.shortcut : '';
    if (!shortcut) return;
    window.addEventListener('keydown', (event) => {
      if (!matchesShortcut(event, shortcut)) return;
      const controller = focusedController();
      if (!controller) return;
      event.preventDefault();
      event.stopPropagation();
      controller.soften(null);
    }, { capture: true, signal: lifetime.signal });
  });

  chrome.runtime.onMessage.addListener((message, sender) => {
    if (sender.id !== chrome.runtime.id || message?.type !== 'soften-focused') return;
    focusedController()?.soften(null);
  });

  scan();
})();
