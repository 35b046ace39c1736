// The injected UI: one shadow root holding each editor's "Soften reply" button and the preview
// panel. Everything from the page or the API goes in as text nodes, never as HTML.
(() => {
  const kindly = (globalThis.kindly = globalThis.kindly || {});
  if (kindly.Overlay) return;

  // The page's CSS can't reach into the shadow root, but inherited properties (direction,
  // text-transform, letter-spacing, ...) flow in through the host: `all: initial` stops them,
  // and the panel says its own direction and spacing explicitly.
  const STYLE = `
    :host { all: initial !important; }
    :host, .soften, .panel {
      direction: ltr; text-align: left; text-transform: none; letter-spacing: normal;
      word-spacing: normal; text-indent: 0; text-shadow: none; font-style: normal;
      font-variant: normal; white-space: normal; line-height: normal; visibility: visible;
      writing-mode: horizontal-tb; unicode-bidi: isolate;
    }
    * { box-sizing: border-box; }
    .soften {
      position: fixed; z-index: 2147483646; font: 600 12px/1 system-ui, sans-serif;
      padding: 6px 10px; border-radius: 14px; border: 1px solid #0e7c7b; cursor: pointer;
      background: #fff; color: #0e5e5d; box-shadow: 0 1px 3px rgba(0,0,0,.2);
    }
    .soften:hover, .soften:focus-visible { background: #0e7c7b; color: #fff; outline: none; }
    .soften[hidden], .tone[hidden] { display: none; }
    .tone {
      position: fixed; z-index: 2147483646; font: 12px/1 system-ui, sans-serif; cursor: pointer;
      padding: 5px 8px; border-radius: 12px; border: 1px solid #d9a400; background: #fff8e1;
      color: #6b4a00; box-shadow: 0 1px 2px rgba(0,0,0,.15);
    }
    .tone:hover, .tone:focus-visible { background: #ffe9a8; outline: none; }
    mark { background: #ffe08a; color: inherit; border-radius: 2px; }
    strong.mark { font-weight: 700; } em.mark { font-style: italic; } u.mark { text-decoration: underline; }
    code.mark { font-family: ui-monospace, monospace; }
    .findings li { margin-bottom: 6px; }
    .reason { color: #355; }
    .panel {
      position: fixed; z-index: 2147483647; right: 16px; bottom: 16px;
      width: min(500px, calc(100vw - 32px)); max-height: min(76vh, 720px); overflow: auto;
      box-sizing: border-box; padding: 14px 16px; border-radius: 10px; background: #fff;
      color: #1d2b2b; font: 14px/1.45 system-ui, sans-serif;
      box-shadow: 0 8px 30px rgba(0,0,0,.25); border: 1px solid #c9dcdc;
    }
    .panel[hidden] { display: none; }
    h2 { font-size: 15px; margin: 0 0 8px; color: #0e5e5d; }
    h3 { font-size: 12px; font-variant: small-caps; margin: 12px 0 4px; color: #5a6b6b; }
    .status { margin: 4px 0 8px; color: #355; }
    .error { margin: 4px 0 8px; padding: 8px 10px; border-radius: 6px; background: #fdecea; color: #7a1c12; }
    .warning { padding: 6px 8px; border-radius: 6px; background: #fff4d6; color: #6b4a00; }
    .rewrite { white-space: pre-wrap; overflow-wrap: anywhere; padding: 8px 10px; border-radius: 6px; background: #f5fafa; border: 1px solid #dbeaea; }
    ins { background: #d6f5e3; text-decoration: none; }
    del { background: #fde2df; color: #8a3b33; }
    ul { margin: 0; padding-left: 18px; }
    table { border-collapse: collapse; font-size: 13px; }
    th, td { text-align: left; padding: 2px 10px 2px 0; }
    td.num { text-align: right; font-variant-numeric: tabular-nums; }
    .actions { display: flex; flex-wrap: wrap; gap: 8px; margin-top: 12px; align-items: center; }
    button.action {
      font: 600 13px/1 system-ui, sans-serif; padding: 8px 10px; border-radius: 6px; cursor: pointer;
      border: 1px solid #0e7c7b; background: #fff; color: #0e5e5d;
    }
    button.primary { background: #0e7c7b; color: #fff; }
    button.action:focus-visible { outline: 2px solid #f0a500; outline-offset: 1px; }
    button.action:disabled { opacity: .5; cursor: default; }
    label { font-size: 13px; color: #355; }
    select { font: inherit; font-size: 13px; }
  `;

  const SCORE_ROWS = [
    ['reading_grade', 'Reading grade'],
    ['reading_ease', 'Reading ease'],
    ['warmth', 'Warmth'],
    ['jargon', 'Jargon'],
    ['blame', 'Blame'],
  ];

  function el(tag, props = {}, children = []) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props)) {
      if (key === 'text') node.textContent = value;
      else if (key === 'class') node.className = value;
      else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value);
    }
    for (const child of children) if (child) node.append(child);
    return node;
  }

  function errorText(error) {
    const unchanged = ' Your draft is unchanged.';
    switch (error.kind) {
      case 'empty':
        return 'There is nothing to soften yet: write your draft first.';
      case 'not_configured':
        return "Kindly needs an API key. Add one in Kindly's options.";
      case 'unreachable':
        return `Can't reach the Kindly API at ${error.apiUrl || 'the configured URL'}. `
          + 'Check that it is running and that the API URL in the options is right.' + unchanged;
      case 'unauthorized':
        return "The API refused this key (401). Check the API key in Kindly's options." + unchanged;
      case 'forbidden':
        return `This key may not do that (403): ${error.message}` + unchanged;
      case 'rate_limited':
        return (error.retryAfter
          ? `Too many rewrites right now. Try again in ${error.retryAfter} seconds.`
          : 'Too many rewrites right now. Try again in a moment.') + unchanged;
      case 'too_long':
        return `This draft is too long for Kindly (${error.message}). Shorten it and try again.` + unchanged;
      case 'invalid':
        return `Kindly couldn't use this draft: ${error.message}` + unchanged;
      case 'server':
        return `Kindly had a problem on its side${error.status ? ` (${error.status})` : ''}. Try again in a moment.` + unchanged;
      case 'draft_changed':
        return 'Your draft changed while Kindly was working, so nothing was replaced. Soften it again to include your latest words.';
      case 'reloaded':
        return 'Kindly was updated. Reload this page to keep using it.' + unchanged;
      case 'write_failed':
        return "This editor didn't take the new text, so your draft was left as it was.";
      default:
        return `Something went wrong: ${error.message || 'unknown error'}.` + unchanged;
    }
  }

  class Overlay {
    constructor() {
      this.host = document.createElement('kindly-overlay');
      // Closed: the page's scripts can't reach into the panel (the draft, the rewrite, Accept).
      this.root = this.host.attachShadow({ mode: 'closed' });
      this.root.append(el('style', { text: STYLE }));
      this.panel = el('div', {
        class: 'panel', role: 'dialog', 'aria-label': 'Kindly preview', hidden: '',
      });
      this.panel.addEventListener('keydown', (event) => {
        if (event.key === 'Escape') this.handlers?.onEscape();
      });
      this.root.append(this.panel);
      document.documentElement.append(this.host);
      this.handlers = null;
      this.streamNode = null;
    }

    ensureAttached() {
      if (!this.host.isConnected) document.documentElement.append(this.host);
    }

    addButton(onClick) {
      const button = el('button', {
        class: 'soften', type: 'button', text: 'Soften reply', onclick: onClick,
        'aria-keyshortcuts': 'Alt+Shift+K', title: 'Soften reply (Alt+Shift+K)',
      });
      // Keep the editor's selection and focus when the button is pressed.
      button.addEventListener('mousedown', (event) => event.preventDefault());
      this.root.append(button);
      return button;
    }

    // The live tone indicator: a small button beside "Soften reply", hidden until a check
    // finds something.
    addToneBadge(onClick) {
      const badge = el('button', { class: 'tone', type: 'button', title: 'Tone check: show why', onclick: onClick });
      badge.addEventListener('mousedown', (event) => event.preventDefault());
      badge.hidden = true;
      this.root.append(badge);
      return badge;
    }

    setToneBadge(badge, tone) {
      const count = tone?.findings.length || 0;
      badge.textContent = count ? (tone.summary || `${count} phrases may sound harsh`) : '';
      badge.hidden = !count;
    }

    // The draft with the flagged sentences highlighted, and why each may hurt.
    showTone(tone) {
      const text = el('div', { class: 'rewrite', 'aria-label': 'Your draft' });
      const ranges = kindly.layout.sentenceRanges(tone.draft, tone.findings);
      let position = 0;
      for (const [start, end] of ranges) {
        text.append(document.createTextNode(tone.draft.slice(position, start)));
        text.append(el('mark', { text: tone.draft.slice(start, end) }));
        position = end;
      }
      text.append(document.createTextNode(tone.draft.slice(position)));
      const items = tone.findings.map((f) => el('li', {}, [
        el('strong', { text: `“${f.text || f.sentence}”` }),
        el('span', { class: 'reason', text: ` ${f.reason || ''}` }),
        f.suggestion ? el('div', { text: `Try: ${f.suggestion}` }) : null,
      ]));
      this.render(
        el('p', { class: 'status', role: 'status', text: tone.summary || 'Some sentences may sound harsh.' }),
        text,
        el('h3', { text: 'Why' }),
        el('ul', { class: 'findings', 'aria-label': 'Tone findings' }, items),
        el('div', { class: 'actions' }, [
          this.button('Soften reply', () => this.handlers?.onSoften(), true),
          this.button('Close', () => this.handlers?.onClose()),
        ]),
      );
      this.panel.querySelector('button.primary').focus({ preventScroll: true });
    }

    placeButton(button, rect) {
      kindly.layout.placeButton(button, rect);
    }

    placeBadge(badge, button, show) {
      kindly.layout.placeBadge(badge, button, show);
    }

    // handlers: onAccept, onUndo, onCancel, onEscape, onRetry(preset), onOpenOptions, onClose
    open(handlers, anchor = null) {
      this.ensureAttached();
      this.handlers = handlers;
      this.anchor = anchor;
      this.panel.hidden = false;
    }

    close() {
      this.panel.hidden = true;
      this.panel.replaceChildren();
      this.handlers = null;
    }

    get isOpen() {
      return !this.panel.hidden;
    }

    render(...children) {
      this.panel.replaceChildren(el('h2', { text: 'Kindly' }), ...children.filter(Boolean));
      if (this.anchor) kindly.layout.placePanel(this.panel, this.anchor);
    }

    button(label, onClick, primary = false) {
      return el('button', {
        type: 'button', class: primary ? 'action primary' : 'action', text: label, onclick: onClick,
      });
    }

    showBusy(presetLabel) {
      this.streamNode = el('div', { class: 'rewrite', 'aria-label': 'Rewrite so far' });
      this.render(
        el('p', { class: 'status', role: 'status', text: `Softening your reply (${presetLabel})…` }),
        this.streamNode,
        el('div', { class: 'actions' }, [this.button('Cancel', () => this.handlers?.onCancel())]),
      );
      this.streamNode.hidden = true;
    }

    appendStream(text) {
      if (!this.streamNode) return;
      this.streamNode.hidden = false;
      this.streamNode.append(document.createTextNode(text));
    }

    presetPicker(presets, current) {
      const select = el('select', { 'aria-label': 'Preset' });
      for (const preset of presets) {
        const option = el('option', { value: preset.slug, text: preset.name || preset.slug });
        if (preset.slug === current) option.selected = true;
        select.append(option);
      }
      return select;
    }

    // The diff of the draft and the rewrite; `marks` ([{start, end, tag}] over the rewrite)
    // draw the rewrite's bold, italic, underline, code and links on the words they cover.
    diffView(draft, rewrite, marks = []) {
      const box = el('div', { class: 'rewrite', 'aria-label': 'Rewrite' });
      let offset = 0; // position in the rewrite
      for (const part of kindly.diffWords(draft, rewrite)) {
        if (part.op === 'del') {
          box.append(el('del', { text: part.text }));
          continue;
        }
        const end = offset + part.text.length;
        const cuts = new Set([offset, end]);
        for (const m of marks) {
          if (m.start > offset && m.start < end) cuts.add(m.start);
          if (m.end > offset && m.end < end) cuts.add(m.end);
        }
        const points = [...cuts].sort((a, b) => a - b);
        for (let i = 0; i + 1 < points.length; i += 1) {
          let node = document.createTextNode(rewrite.slice(points[i], points[i + 1]));
          for (const m of marks) {
            if (m.start <= points[i] && points[i + 1] <= m.end) node = el(m.tag, { class: 'mark' }, [node]);
          }
          box.append(part.op === 'add' ? el('ins', {}, [node]) : node);
        }
        offset = end;
      }
      return box;
    }

    scoresTable(scores) {
      if (!scores?.before || !scores?.after) return null;
      const rows = SCORE_ROWS.filter(([key]) => key in scores.before || key in scores.after)
        .map(([key, label]) => el('tr', {}, [
          el('th', { scope: 'row', text: label }),
          el('td', { class: 'num', text: formatScore(scores.before[key]) }),
          el('td', { class: 'num', text: formatScore(scores.after[key]) }),
        ]));
      return el('table', { 'aria-label': 'Scores before and after' }, [
        el('thead', {}, [el('tr', {}, [
          el('th', { text: '' }), el('th', { text: 'Before' }), el('th', { text: 'After' }),
        ])]),
        el('tbody', {}, rows),
      ]);
    }

    factCheck(checks) {
      if (!checks) return null;
      const facts = Array.isArray(checks.facts) ? checks.facts : [];
      if (checks.passed) {
        const list = facts.join(', ');
        return el('p', { class: 'facts', text: facts.length
          ? `All ${facts.length} facts kept: ${list}${/[.!?]$/.test(list) ? '' : '.'}`
          : 'No facts to check in this draft.' });
      }
      const box = el('div', { class: 'warning', role: 'alert' });
      if (checks.missing?.length) box.append(el('p', { text: `Missing from the rewrite: ${checks.missing.join(', ')}.` }));
      if (checks.invented?.length) box.append(el('p', { text: `Not in your draft: ${checks.invented.join(', ')}.` }));
      box.append(el('p', { text: 'Read it carefully before you accept.' }));
      return box;
    }

    // `rewrite` is the rewrite as the editor will show it (text); `result` the API's answer.
    showResult(draft, rewrite, presets, current, result) {
      const changes = Array.isArray(result.changes) ? result.changes : [];
      const picker = this.presetPicker(presets, current);
      const cachedNote = result.cached ? ' (from cache)' : '';
      const checks = this.factCheck(result.checks);
      this.render(
        el('p', { class: 'status', role: 'status', text: `Here is a softer version${cachedNote}.` }),
        this.diffView(draft, rewrite, result.format === 'html' ? kindly.layout.markRanges(rewrite, result.rewrite) : []),
        result.checks && !result.checks.passed ? checks : null,
        el('div', { class: 'actions' }, [
          this.button('Accept', () => this.handlers?.onAccept(), true),
          presets.length > 1 ? picker : null,
          presets.length > 1 ? this.button('Try another preset', () => this.handlers?.onRetry(picker.value)) : null,
          this.button('Cancel', () => this.handlers?.onCancel()),
        ]),
        changes.length ? el('h3', { text: 'What changed' }) : null,
        changes.length ? el('ul', {}, changes.map((c) => el('li', { text: String(c) }))) : null,
        el('h3', { text: 'Fact check' }),
        result.checks?.passed ? checks : null,
        !result.checks ? el('p', { text: 'No fact check came back for this rewrite.' }) : null,
        result.checks && !result.checks.passed ? el('p', { text: 'See the warning above.' }) : null,
        result.scores ? el('h3', { text: 'Scores' }) : null,
        this.scoresTable(result.scores),
      );
      this.panel.querySelector('button.primary').focus({ preventScroll: true });
    }

    showError(error) {
      const actions = [];
      if (['not_configured', 'unauthorized', 'unreachable'].includes(error.kind)) {
        actions.push(this.button('Open options', () => this.handlers?.onOpenOptions()));
      }
      if (['unreachable', 'rate_limited', 'server', 'draft_changed'].includes(error.kind)) {
        actions.push(this.button('Try again', () => this.handlers?.onRetry(null)));
      }
      actions.push(this.button('Close', () => this.handlers?.onClose()));
      this.render(
        el('p', { class: 'error', role: 'alert', text: errorText(error) }),
        el('div', { class: 'actions' }, actions),
      );
    }

    showAccepted() {
      this.render(
        el('p', { class: 'status', role: 'status', text: 'Your reply was updated. Undo puts your draft back.' }),
        el('div', { class: 'actions' }, [
          this.button('Undo', () => this.handlers?.onUndo(), true),
          this.button('Close', () => this.handlers?.onClose()),
        ]),
      );
    }

    showRestored() {
      this.render(
        el('p', { class: 'status', role: 'status', text: 'Your draft is back as it was.' }),
        el('div', { class: 'actions' }, [this.button('Close', () => this.handlers?.onClose())]),
      );
    }
  }

  function formatScore(value) {
    if (typeof value !== 'number') return '–';
    return Number.isInteger(value) ? String(value) : value.toFixed(1);
  }

  kindly.Overlay = Overlay;
  kindly.errorText = errorText;
})();
