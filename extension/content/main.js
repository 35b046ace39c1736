// Wires the site adapter to the page: one "Soften reply" button per reply editor (kept in step
// with re-renders by a MutationObserver), the preview flow, Accept/Undo, and feedback.
(() => {
  const kindly = (globalThis.kindly = globalThis.kindly || {});
  if (kindly.started || !kindly.adapter) return;
  // In a same-origin frame (TinyMCE's about:srcdoc body) the copy in the page around it serves
  // the editor, so the button and panel sit in that page beside the frame, not over the editor.
  if (window.frameElement) return;
  kindly.started = true;

  const adapter = kindly.adapter;
  const { htmlText, normalise, undoLastWrite } = kindly.editorText;
  const { activeElement, editorRect, frameDocuments } = kindly.layout;
  const overlay = new kindly.Overlay();
  const controllers = new Map(); // editor element -> controller; WeakMap can't be iterated
  const TONE_PAUSE_MS = 700; // the live tone check runs once the agent pauses typing
  let presetsCache = null;
  let lastFocusedEditor = null;

  // Where the time of a rewrite goes (kindly:soften, :sent, :answer, :shown), for the browser's
  // performance tools and the end-to-end tests' timing report.
  function mark(step) {
    performance.mark(`kindly:${step}`);
  }

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
      // A click usually follows: wake the worker (and fetch the presets) meanwhile.
      for (const type of ['pointerenter', 'focus']) {
        this.button.addEventListener(type, () => {
          sendToWorker({ type: 'warm' });
          loadPresets();
        });
      }
      this.badge = overlay.addToneBadge(() => this.showTone());
      this.tone = null; // {draft, findings, summary}: the last live tone check
      this.toneTimer = 0;
      this.port = null;
      this.job = null; // {draft, html, preset, result}
      this.accepted = null; // {id, text, lastSeen, draft, html, method}
      editor.addEventListener('focusin', () => { lastFocusedEditor = editor; });
      editor.addEventListener('input', () => {
        this.noteEdit();
        clearTimeout(this.toneTimer);
        this.toneTimer = setTimeout(() => this.checkTone(), TONE_PAUSE_MS);
      });
    }

    // The live indicator: what /v1/tone finds in the draft as it stands after a pause.
    async checkTone() {
      const draft = adapter.readDraft(this.editor).trim();
      if (draft === this.tone?.draft) return;
      const answer = draft.split(/\s+/).length >= 3 ? await sendToWorker({ type: 'tone', draft }) : null;
      if (adapter.readDraft(this.editor).trim() !== draft) return; // a newer check is on its way
      this.tone = answer?.ok ? { draft, findings: answer.findings, summary: answer.summary } : null;
      overlay.setToneBadge(this.badge, this.tone);
      this.place();
    }

    showTone() {
      if (!this.tone?.findings.length) return;
      overlay.open(this.handlers(), editorRect(this.editor));
      overlay.showTone(this.tone);
    }

    place() {
      const rect = editorRect(this.editor);
      const visible = rect.width > 0 && rect.height > 0 && this.editor.isConnected;
      this.button.hidden = !visible;
      if (!visible) {
        this.badge.hidden = true;
        return;
      }
      overlay.placeButton(this.button, rect);
      overlay.placeBadge(this.badge, this.button, Boolean(this.tone?.findings.length));
    }

    dispose() {
      this.finishFeedback('sent'); // a help desk removes the composer once the reply is sent
      this.port?.disconnect();
      this.button.remove();
      this.badge.remove();
      clearTimeout(this.toneTimer);
      if (overlay.handlers?.owner === this) overlay.close();
    }

    handlers() {
      return {
        owner: this,
        onAccept: () => this.accept(),
        onUndo: () => this.undo(),
        onCancel: () => this.cancel(),
        onEscape: () => this.dismiss(),
        onClose: () => this.closePanel(),
        onRetry: (preset) => this.soften(preset),
        onSoften: () => this.soften(null),
        onOpenOptions: () => sendToWorker({ type: 'openOptions' }),
      };
    }

    async soften(preset) {
      if (this.port) return; // a rewrite for this editor is already on its way
      mark('soften');
      this.finishFeedback('moved on');
      const draft = adapter.readDraft(this.editor);
      const html = adapter.readHtml(this.editor);
      if (!draft.trim()) {
        overlay.open(this.handlers(), editorRect(this.editor));
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
      this.job = { draft, html, preset: chosen, result: null };
      const context = adapter.readContext(this.editor);
      let port;
      try {
        port = chrome.runtime.connect({ name: 'rewrite' });
      } catch {
        // The extension was updated or reloaded; this old copy of the script is cut off.
        overlay.open(this.handlers(), editorRect(this.editor));
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
          mark('answer');
          this.job.result = message.result;
          overlay.showResult(draft, rewriteContent(message.result).shown, known.presets, chosen, message.result);
          mark('shown');
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
        draft: html ?? draft,
        format: html === null ? 'text' : 'html',
        preset: chosen,
        channel: adapter.channel || undefined,
        customerName: context.customerName,
        customerMessage: context.customerMessage,
      });
      mark('sent');
      // The request is on its way first; the panel is drawn while it travels.
      overlay.open(this.handlers(), editorRect(this.editor));
      overlay.showBusy(label);
    }

    async accept() {
      const { draft, html, result } = this.job || {};
      if (!result) return;
      // Never overwrite words typed after the rewrite was asked for.
      if (normalise(adapter.readDraft(this.editor)) !== normalise(draft)) {
        overlay.showError({ kind: 'draft_changed' });
        return;
      }
      const { content, shown } = rewriteContent(result);
      const method = await adapter.write(this.editor, content);
      if (method === 'refused' || normalise(adapter.readDraft(this.editor)) !== normalise(shown)) {
        if (method !== 'refused') await this.restore({ text: draft, html }, method);
        overlay.showError({ kind: 'write_failed' });
        return;
      }
      this.accepted = { id: result.id, text: shown, lastSeen: shown, draft, html, method };
      overlay.showAccepted();
    }

    // Puts the draft back: the editor's own undo first (keeps formatting), then the draft again.
    async restore(original, method) {
      if (normalise(adapter.readDraft(this.editor)) === normalise(original.text)) return;
      await undoLastWrite(this.editor, method);
      if (normalise(adapter.readDraft(this.editor)) !== normalise(original.text)) {
        await adapter.write(this.editor, original);
      }
    }

    async undo() {
      const accepted = this.accepted;
      if (!accepted) return;
      this.accepted = null;
      await this.restore({ text: accepted.draft, html: accepted.html }, accepted.method);
      // The agent turned the rewrite down: that is a rejection.
      sendToWorker({ type: 'feedback', id: accepted.id, outcome: 'rejected' });
      overlay.showRestored();
    }

    // Cancel on a preview is the agent turning the rewrite down.
    cancel() {
      const rejected = this.job?.result?.id;
      this.dismiss();
      if (rejected) sendToWorker({ type: 'feedback', id: rejected, outcome: 'rejected' });
    }

    // Escape, Close: the panel goes away; nothing is reported.
    dismiss() {
      if (this.port) {
        this.port.disconnect();
        this.port = null;
      }
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
      else this.finishFeedback('sent'); // the help desk clears the editor once the reply is sent
    }

    // Reports what happened to an accepted rewrite once the reply is sent: sent as is
    // (accepted) or edited first (with the text sent). A reply put back to the draft (the
    // editor's own undo) is not reported; neither is one that was not sent (`why` another reason).
    finishFeedback(why) {
      const accepted = this.accepted;
      if (!accepted) return;
      this.accepted = null;
      if (why !== 'sent') return;
      const sent = normalise(accepted.lastSeen);
      if (sent === normalise(accepted.draft)) return;
      const edited = sent !== normalise(accepted.text);
      sendToWorker({
        type: 'feedback',
        id: accepted.id,
        outcome: edited ? 'edited' : 'accepted',
        sentText: edited ? accepted.lastSeen : undefined,
      });
    }
  }

  // What Accept writes for a result, and the text the editor should then show.
  function rewriteContent(result) {
    if (result.format === 'html') {
      return { content: { html: result.rewrite, text: result.rewrite_text }, shown: htmlText(result.rewrite) };
    }
    return { content: { html: null, text: result.rewrite }, shown: result.rewrite };
  }

  function scan() {
    const docs = [document, ...frameDocuments()];
    for (const [editor, controller] of controllers) {
      // An editor in a frame that was taken out is still connected to its own document.
      if (!editor.isConnected || !docs.includes(editor.ownerDocument)) {
        controllers.delete(editor);
        controller.dispose();
      } else if (controller.accepted) {
        controller.noteEdit();
      }
    }
    for (const doc of docs) {
      if (doc !== document) watch(doc);
      for (const editor of adapter.findEditors(doc)) {
        if (!controllers.has(editor)) controllers.set(editor, new EditorController(editor));
      }
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
    const active = activeElement();
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
  const watched = new WeakSet();
  let onShortcut = null; // the page-level shortcut listener, once the shortcut is known
  // A document to follow: its changes, scrolling and size move or add editors; frames' too.
  function watch(doc) {
    if (watched.has(doc)) return;
    watched.add(doc);
    const view = doc.defaultView;
    // contenteditable too: an iframe editor turns its body editable once its frame has loaded.
    observer.observe(doc.documentElement, {
      childList: true, subtree: true, characterData: true, attributeFilter: ['contenteditable'],
    });
    view.addEventListener('scroll', scheduleScan, { capture: true, passive: true });
    view.addEventListener('resize', scheduleScan, { passive: true });
    // A frame that loads a new document (an iframe editor starting up) is looked into again.
    doc.addEventListener('load', (event) => {
      if (event.target.tagName === 'IFRAME' || event.target.tagName === 'FRAME') scheduleScan();
    }, { capture: true });
    if (onShortcut) view.addEventListener('keydown', onShortcut, { capture: true });
  }
  watch(document);
  // Leaving the page is not sending the reply: nothing is reported for it.

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
    onShortcut = (event) => {
      if (!matchesShortcut(event, shortcut)) return;
      const controller = focusedController();
      if (!controller) return;
      event.preventDefault();
      event.stopPropagation();
      controller.soften(null);
    };
    window.addEventListener('keydown', onShortcut, { capture: true });
    for (const doc of frameDocuments()) {
      if (watched.has(doc)) doc.defaultView.addEventListener('keydown', onShortcut, { capture: true });
    }
  });

  chrome.runtime.onMessage.addListener((message, sender) => {
    if (sender.id !== chrome.runtime.id || message?.type !== 'soften-focused') return;
    focusedController()?.soften(null);
  });

  scan();
})();
