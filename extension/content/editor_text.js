// Reads plain text out of a reply editor and writes text back through the editor's own input
// handling (paste, then insertText), so rich editors update their model and undo history.
(() => {
  const kindly = (globalThis.kindly = globalThis.kindly || {});
  if (kindly.editorText) return;

  const BLOCKS = new Set([
    'P', 'DIV', 'LI', 'UL', 'OL', 'H1', 'H2', 'H3', 'H4', 'H5', 'H6',
    'BLOCKQUOTE', 'PRE', 'TABLE', 'TR', 'SECTION', 'ARTICLE', 'HEADER', 'FOOTER',
  ]);
  // Paragraph-like blocks are separated by a blank line; other blocks (Gmail's <div> lines) by one.
  const PARAGRAPHS = new Set(['P', 'H1', 'H2', 'H3', 'H4', 'H5', 'H6', 'BLOCKQUOTE', 'PRE', 'UL', 'OL']);
  const SETTLE_MS = 30;

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  function isTextField(el) {
    return el instanceof HTMLTextAreaElement
      || (el instanceof HTMLInputElement && /^(text|search|email|)$/.test(el.type));
  }

  function lastMeaningfulChild(node) {
    let child = node.lastChild;
    while (child && child.nodeType === Node.TEXT_NODE && child.data === '') child = child.previousSibling;
    return child;
  }

  // Plain text of an editable element; `skip` drops parts that are not the draft (quotes, signatures).
  function readText(el, skip = null) {
    if (isTextField(el)) return el.value;
    let out = '';
    const breakAtLeast = (count) => {
      if (!out) return;
      const have = out.length - out.replace(/\n+$/, '').length;
      if (have < count) out += '\n'.repeat(count - have);
    };
    const walk = (node) => {
      for (const child of node.childNodes) {
        if (child.nodeType === Node.TEXT_NODE) {
          out += child.data;
        } else if (child.nodeType === Node.ELEMENT_NODE) {
          if (skip && child.matches(skip)) continue;
          if (child.tagName === 'BR') {
            // A <br> closing a block is a filler that keeps the line open, not a line break.
            if (lastMeaningfulChild(child.parentNode) !== child || !BLOCKS.has(child.parentNode.tagName)
              || child.parentNode === el) out += '\n';
            continue;
          }
          const block = BLOCKS.has(child.tagName);
          const gap = PARAGRAPHS.has(child.tagName) ? 2 : 1;
          if (block) {
            breakAtLeast(gap);
            if (!child.textContent && child.querySelector('br')) out += '\n';
          }
          walk(child);
          if (block) breakAtLeast(gap);
        }
      }
    };
    walk(el);
    return out.replace(/\u00a0/g, ' ').replace(/[ \t]+\n/g, '\n').replace(/\n{3,}/g, '\n\n').trim();
  }

  // For comparing what an editor holds with what we meant to put there.
  function normalise(text) {
    return text.replace(/\s+/g, ' ').trim();
  }

  // The same text as HTML paragraphs, built with text nodes so nothing in it is parsed as markup.
  function textAsHtml(text) {
    const box = document.createElement('div');
    for (const paragraph of text.split(/\n{2,}/)) {
      const p = document.createElement('p');
      paragraph.split('\n').forEach((line, index) => {
        if (index) p.append(document.createElement('br'));
        p.append(document.createTextNode(line));
      });
      box.append(p);
    }
    return box.innerHTML;
  }

  function selectContents(el, range) {
    const selection = window.getSelection();
    selection.removeAllRanges();
    if (range) {
      selection.addRange(range);
    } else {
      const all = document.createRange();
      all.selectNodeContents(el);
      selection.addRange(all);
    }
  }

  function writeTextField(el, text) {
    el.focus();
    el.select();
    if (document.execCommand('insertText', false, text) && el.value === text) return 'native';
    // React and friends track the value setter; go around it so they see an input event.
    const proto = el instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
    Object.getOwnPropertyDescriptor(proto, 'value').set.call(el, text);
    el.dispatchEvent(new Event('input', { bubbles: true }));
    return 'setter';
  }

  // Replaces the editor's content (or just `range`) with `text`. Returns how it was done.
  async function writeText(el, text, range = null) {
    if (isTextField(el)) return writeTextField(el, text);
    el.focus();
    selectContents(el, range);
    // Editors read the selection on the next task; pasting sooner inserts before the old text.
    await sleep(SETTLE_MS);
    const data = new DataTransfer();
    data.setData('text/plain', text);
    data.setData('text/html', textAsHtml(text));
    const paste = new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true });
    el.dispatchEvent(paste);
    if (paste.defaultPrevented) {
      await sleep(SETTLE_MS);
      return 'paste';
    }
    document.execCommand('insertText', false, text);
    await sleep(SETTLE_MS);
    return 'native';
  }

  // Asks the editor to undo its last change: its own shortcut first, then the browser's stack.
  async function undoLastWrite(el, method) {
    el.focus();
    if (method === 'paste') {
      const mac = /Mac|iPhone|iPad/.test(navigator.platform);
      const shortcut = new KeyboardEvent('keydown', {
        key: 'z', code: 'KeyZ', keyCode: 90, which: 90,
        ctrlKey: !mac, metaKey: mac, bubbles: true, cancelable: true,
      });
      el.dispatchEvent(shortcut);
      if (shortcut.defaultPrevented) {
        await sleep(SETTLE_MS);
        return 'editor';
      }
      const undo = new InputEvent('beforeinput', {
        inputType: 'historyUndo', bubbles: true, cancelable: true,
      });
      el.dispatchEvent(undo);
      if (undo.defaultPrevented) {
        await sleep(SETTLE_MS);
        return 'editor';
      }
    }
    document.execCommand('undo');
    await sleep(SETTLE_MS);
    return 'native';
  }

  kindly.editorText = { isTextField, readText, writeText, undoLastWrite, normalise, textAsHtml };
})();
