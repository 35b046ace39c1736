// Where Kindly's button, tone badge and panel go beside an editor (in this page or in one of its
// same-origin frames), and where marks and flagged sentences fall in a text.
(() => {
  const kindly = (globalThis.kindly = globalThis.kindly || {});
  if (kindly.layout) return;

  // Just outside the editor's bottom-right corner (above its top edge when there is no room
  // below), so it never covers the words; inside the corner only when neither fits.
  function placeButton(button, rect) {
    const width = button.offsetWidth || 96;
    const height = button.offsetHeight || 26;
    const view = document.documentElement;
    let top = rect.bottom + 4;
    if (top + height > view.clientHeight) top = rect.top - height - 4;
    if (top < 0) top = Math.max(0, rect.bottom - height - 6);
    button.style.top = `${top}px`;
    button.style.left = `${Math.max(0, Math.min(rect.right - width, view.clientWidth - width))}px`;
  }

  // Beside the editor (right, left, above or below: the first side with room, the panel
  // narrowed or shortened to fit), so it covers neither the editor's words nor its Soften
  // button; the page's corner only when no side has room.
  function placePanel(panel, rect) {
    const view = document.documentElement;
    const vw = view.clientWidth;
    const vh = view.clientHeight;
    const gap = 12;
    const below = rect.bottom + 40; // under the Soften button
    const areas = [
      { left: rect.right + gap, top: 8, width: vw - rect.right - gap - 8, height: vh - 16 },
      { left: 8, top: 8, width: rect.left - gap - 8, height: vh - 16, alignRight: true },
      { left: 8, top: 8, width: vw - 16, height: rect.top - gap - 8, alignBottom: true },
      { left: 8, top: below, width: vw - 16, height: vh - below - 8 },
    ];
    const area = areas.find((a) => a.width >= 340 && a.height >= 220);
    const style = panel.style;
    if (!area) {
      Object.assign(style, { left: '', top: '', right: '', bottom: '', width: '', maxHeight: '' });
      return;
    }
    const width = Math.min(500, area.width);
    style.width = `${width}px`;
    style.maxHeight = `${Math.min(720, area.height)}px`;
    style.right = 'auto';
    style.bottom = 'auto';
    const height = Math.min(panel.offsetHeight || 320, area.height);
    let left = area.alignRight ? area.left + area.width - width : area.left;
    if (area.top === 8 && !area.alignBottom && area.width < vw - 16) left = area.left;
    else if (!area.alignRight && area.width >= vw - 16) left = Math.max(8, Math.min(rect.right - width, vw - width - 8));
    const top = area.alignBottom ? area.top + area.height - height
      : Math.max(area.top, Math.min(rect.top, area.top + area.height - height));
    style.left = `${left}px`;
    style.top = `${top}px`;
  }

  // The tone badge just left of the Soften button.
  function placeBadge(badge, button, show) {
    badge.hidden = !show;
    if (!show) return;
    const top = parseFloat(button.style.top) || 0;
    const left = (parseFloat(button.style.left) || 0) - (badge.offsetWidth || 180) - 6;
    badge.style.top = `${top}px`;
    badge.style.left = `${Math.max(0, left)}px`;
  }

  // The documents of the same-origin frames inside `doc` (an iframe editor's body, such as
  // TinyMCE's about:srcdoc frame), nested ones too. Cross-origin frames run a copy of their own.
  function frameDocuments(doc = document, out = []) {
    for (const frame of doc.querySelectorAll('iframe, frame')) {
      let inner = null;
      try {
        inner = frame.contentDocument;
      } catch {
        inner = null;
      }
      if (inner?.documentElement && !out.includes(inner)) {
        out.push(inner);
        frameDocuments(inner, out);
      }
    }
    return out;
  }

  // An editor's box in this document's viewport: an editor in a frame is moved by the frames'
  // positions and cut to what they show; a frame's whole body is the frame's box.
  function editorRect(editor) {
    let doc = editor.ownerDocument;
    const whole = doc !== document && (editor === doc.body || editor === doc.documentElement);
    const own = editor.getBoundingClientRect();
    let box = whole ? null : { left: own.left, top: own.top, right: own.right, bottom: own.bottom };
    while (doc !== document) {
      const frame = doc.defaultView?.frameElement;
      if (!frame) break;
      const outer = frame.getBoundingClientRect();
      const x = outer.left + frame.clientLeft;
      const y = outer.top + frame.clientTop;
      const view = { left: x, top: y, right: x + frame.clientWidth, bottom: y + frame.clientHeight };
      box = box ? {
        left: Math.max(view.left, box.left + x), top: Math.max(view.top, box.top + y),
        right: Math.min(view.right, box.right + x), bottom: Math.min(view.bottom, box.bottom + y),
      } : view;
      doc = frame.ownerDocument;
    }
    const width = Math.max(0, box.right - box.left);
    const height = Math.max(0, box.bottom - box.top);
    return { left: box.left, top: box.top, right: box.left + width, bottom: box.top + height, width, height };
  }

  // The focused element, looking into same-origin frames.
  function activeElement() {
    let active = document.activeElement;
    while (active && (active.tagName === 'IFRAME' || active.tagName === 'FRAME')) {
      let inner = null;
      try {
        inner = active.contentDocument?.activeElement;
      } catch {
        inner = null;
      }
      if (!inner || inner === active) break;
      active = inner;
    }
    return active;
  }

  const MARK_TAGS = { STRONG: 'strong', B: 'strong', EM: 'em', I: 'em', U: 'u', CODE: 'code', A: 'u' };

  // Where the marks of the API's (sanitized) HTML fall in the rewrite's text: each marked run
  // is kept verbatim, so it is found in order. Links are drawn underlined, never as links.
  function markRanges(text, html) {
    const body = new DOMParser().parseFromString(html, 'text/html').body;
    const ranges = [];
    let from = 0;
    for (const node of body.querySelectorAll('strong, b, em, i, u, code, a')) {
      const words = node.textContent;
      const at = words ? text.indexOf(words, from) : -1;
      if (at === -1) continue;
      ranges.push({ start: at, end: at + words.length, tag: MARK_TAGS[node.tagName] });
      if (!node.querySelector('strong, b, em, i, u, code, a')) from = at;
    }
    return ranges;
  }

  // [start, end) of each flagged sentence in the draft (merged, in order); the phrase itself
  // when its sentence can't be found.
  function sentenceRanges(draft, findings) {
    const ranges = findings.map((f) => {
      const from = draft.lastIndexOf(f.sentence, f.start);
      const at = from !== -1 && from + f.sentence.length >= f.end ? from : draft.indexOf(f.sentence);
      return at !== -1 && f.sentence ? [at, at + f.sentence.length] : [f.start, f.end];
    }).filter(([a, b]) => a >= 0 && b <= draft.length && a < b).sort((x, y) => x[0] - y[0]);
    const merged = [];
    for (const range of ranges) {
      const last = merged[merged.length - 1];
      if (last && range[0] <= last[1]) last[1] = Math.max(last[1], range[1]);
      else merged.push([...range]);
    }
    return merged;
  }

  kindly.layout = {
    placeButton, placePanel, placeBadge, markRanges, sentenceRanges, frameDocuments, editorRect,
    activeElement,
  };
})();
