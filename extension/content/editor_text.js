// Reads a reply editor's draft (plain text, and its formatting as simple HTML) and writes a
// rewrite back through the editor's own input handling (paste, then paste as an input event),
// so rich editors update their model and undo history. A plain contenteditable gets the
// browser's own insertHTML; an editor library that takes neither is left untouched.
(() => {
  const kindly = (globalThis.kindly = globalThis.kindly || {});
  if (kindly.editorText) return;

  const BLOCKS = new Set([
    'P', 'DIV', 'LI', 'UL', 'OL', 'H1', 'H2', 'H3', 'H4', 'H5', 'H6',
    'BLOCKQUOTE', 'PRE', 'TABLE', 'TR', 'SECTION', 'ARTICLE', 'HEADER', 'FOOTER',
  ]);
  // Paragraph-like blocks are separated by a blank line; other blocks (Gmail's <div> lines) by one.
  const PARAGRAPHS = new Set(['P', 'H1', 'H2', 'H3', 'H4', 'H5', 'H6', 'BLOCKQUOTE', 'PRE', 'UL', 'OL']);
  // Tags the API keeps (it sanitizes again); everything else contributes only its text.
  const KEPT = new Set(['P', 'DIV', 'BR', 'STRONG', 'B', 'EM', 'I', 'U', 'CODE', 'A', 'UL', 'OL',
    'LI', 'BLOCKQUOTE', 'H1', 'H2', 'H3', 'H4', 'H5', 'H6']);
  const SKIPPED = new Set(['SCRIPT', 'STYLE', 'TEMPLATE', 'IMG', 'SVG', 'BUTTON', 'SELECT', 'INPUT']);
  // Placeholders editors put in empty lines or around inline nodes (Slate, Lexical, ...).
  const INVISIBLE = /[\u200b\u200c\u2060\ufeff]/g;
  // Editor libraries keep a model of their own: changing only their DOM desynchronises them.
  const LIBRARY_EDITORS = [
    '[data-slate-editor]', '[data-lexical-editor]', '.ProseMirror', '.ql-editor',
    '.public-DraftEditor-content', '.ck-editor__editable', '.mce-content-body',
  ].join(', ');
  const SETTLE_MS = 30;

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  // Tag names, not instanceof: the editor may live in a same-origin frame (another realm).
  function isTextField(el) {
    return el.tagName === 'TEXTAREA'
      || (el.tagName === 'INPUT' && /^(text|search|email|)$/.test(el.type));
  }

  function lastMeaningfulChild(node) {
    let child = node.lastChild;
    while (child && child.nodeType === Node.TEXT_NODE && child.data.replace(INVISIBLE, '') === '') {
      child = child.previousSibling;
    }
    return child;
  }

  // Plain text of an editable element; `skip` drops parts that are not the draft (quotes, signatures).
  function readText(el, skip = null) {
    if (isTextField(el)) return el.value.replace(INVISIBLE, '');
    let out = '';
    const breakAtLeast = (count) => {
      if (!out) return;
      const have = out.length - out.replace(/\n+$/, '').length;
      if (have < count) out += '\n'.repeat(count - have);
    };
    const walk = (node) => {
      for (const child of node.childNodes) {
        if (child.nodeType === Node.TEXT_NODE) {
          out += child.data.replace(INVISIBLE, '');
        } else if (child.nodeType === Node.ELEMENT_NODE) {
          if (skip && child.matches(skip)) continue;
          if (SKIPPED.has(child.tagName)) continue;
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
            if (!child.textContent.replace(INVISIBLE, '') && child.querySelector('br')) out += '\n';
          }
          walk(child);
          if (block) breakAtLeast(gap);
        }
      }
    };
    walk(el);
    return out.replace(/\u00a0/g, ' ').replace(/[ \t]+\n/g, '\n').replace(/\n{3,}/g, '\n\n').trim();
  }

  function escapeHtml(text) {
    return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  }

  // Marks an editor draws with inline styles (Draft.js, TinyMCE's underline) as tags.
  function styleTags(el) {
    const style = el.style;
    if (!style || !style.length) return [];
    const tags = [];
    const weight = style.fontWeight;
    if (weight === 'bold' || weight === 'bolder' || Number(weight) >= 600) tags.push('b');
    if (style.fontStyle === 'italic') tags.push('i');
    if (/underline/.test(style.textDecorationLine || style.textDecoration || '')) tags.push('u');
    return tags;
  }

  // The draft's formatting as simple HTML (paragraphs, lines, lists, quotes, bold, italic,
  // underline, code, links), for the API to sanitize and keep. Null for plain text fields.
  function readHtml(el, skip = null) {
    if (isTextField(el)) return null;
    const out = [];
    const walk = (node) => {
      for (const child of node.childNodes) {
        if (child.nodeType === Node.TEXT_NODE) {
          out.push(escapeHtml(child.data.replace(INVISIBLE, '')));
          continue;
        }
        if (child.nodeType !== Node.ELEMENT_NODE || SKIPPED.has(child.tagName)) continue;
        if (skip && child.matches(skip)) continue;
        const tag = child.tagName;
        if (tag === 'BR') {
          out.push('<br>');
          continue;
        }
        const open = [];
        if (KEPT.has(tag)) {
          const href = tag === 'A' ? child.getAttribute('href') : null;
          open.push(tag === 'A' ? (href ? `a href="${escapeHtml(href)}"` : 'span') : tag.toLowerCase());
        } else if (BLOCKS.has(tag)) {
          open.push(PARAGRAPHS.has(tag) ? 'p' : 'div');
        }
        open.push(...styleTags(child));
        for (const name of open) out.push(`<${name}>`);
        walk(child);
        for (const name of open.reverse()) out.push(`</${name.split(' ')[0]}>`);
      }
    };
    walk(el);
    return out.join('');
  }

  // Text of an HTML fragment read the way editors are read (the API's HTML is sanitized; a
  // parsed document runs no scripts).
  function htmlText(html) {
    const body = new DOMParser().parseFromString(html, 'text/html').body;
    return readText(body);
  }

  // For comparing what an editor holds with what we meant to put there.
  function normalise(text) {
    return text.replace(INVISIBLE, '').replace(/\s+/g, ' ').trim();
  }

  // Text as HTML paragraphs, built with text nodes so nothing in it is parsed as markup.
  function textAsHtml(text) {
    return text.split(/\n{2,}/).map((paragraph) => `<p>${paragraph.split('\n').map(escapeHtml).join('<br>')}</p>`).join('');
  }

  // Paragraphs as Gmail-style <div> lines (a blank line is an empty <div>), for editors whose
  // own lines are <div>s.
  function asDivLines(html) {
    const body = new DOMParser().parseFromString(html, 'text/html').body;
    const parts = [];
    for (const block of body.children) {
      if (block.tagName !== 'P') {
        parts.push(block.outerHTML);
      } else {
        for (const line of block.innerHTML.split('<br>')) parts.push(`<div>${line || '<br>'}</div>`);
      }
      parts.push('<div><br></div>');
    }
    parts.pop();
    return parts.join('');
  }

  function selectContents(el, range) {
    const selection = el.ownerDocument.defaultView.getSelection();
    selection.removeAllRanges();
    if (range) {
      selection.addRange(range);
    } else {
      const all = el.ownerDocument.createRange();
      all.selectNodeContents(el);
      selection.addRange(all);
    }
  }

  function writeTextField(el, text) {
    el.focus();
    el.select();
    if (el.ownerDocument.execCommand('insertText', false, text) && el.value === text) return 'native';
    // React and friends track the value setter; go around it so they see an input event.
    const view = el.ownerDocument.defaultView;
    const proto = el.tagName === 'TEXTAREA' ? view.HTMLTextAreaElement.prototype : view.HTMLInputElement.prototype;
    Object.getOwnPropertyDescriptor(proto, 'value').set.call(el, text);
    el.dispatchEvent(new Event('input', { bubbles: true }));
    return 'setter';
  }

  function clipboard(content) {
    const data = new DataTransfer();
    data.setData('text/plain', content.text);
    data.setData('text/html', content.html || textAsHtml(content.text));
    return data;
  }

  // Replaces the editor's content (or just `range`) with content {text, html}. Returns how it
  // was done: 'paste' (the editor took it), 'native' (the browser's editing), or 'refused'
  // (an editor library took neither way in; nothing was changed).
  async function write(el, content, range = null) {
    if (isTextField(el)) return writeTextField(el, content.text);
    el.focus();
    selectContents(el, range);
    // Editors read the selection on the next task; pasting sooner inserts before the old text.
    await sleep(SETTLE_MS);
    const paste = new ClipboardEvent('paste', { clipboardData: clipboard(content), bubbles: true, cancelable: true });
    el.dispatchEvent(paste);
    if (!paste.defaultPrevented) {
      // Editors built on input events (Slate) take a paste as `beforeinput`.
      const input = new InputEvent('beforeinput', {
        inputType: 'insertFromPaste', dataTransfer: clipboard(content), bubbles: true, cancelable: true,
      });
      el.dispatchEvent(input);
      if (!input.defaultPrevented) {
        if (el.matches(LIBRARY_EDITORS)) return 'refused';
        const html = content.html || textAsHtml(content.text);
        const divLines = !el.querySelector(':scope > p') && el.querySelector(':scope > div');
        el.ownerDocument.execCommand('insertHTML', false, divLines ? asDivLines(html) : html);
        await sleep(SETTLE_MS);
        return 'native';
      }
    }
    await sleep(SETTLE_MS);
    return 'paste';
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
    el.ownerDocument.execCommand('undo');
    await sleep(SETTLE_MS);
    return 'native';
  }

  kindly.editorText = {
    isTextField, readText, readHtml, htmlText, write, undoLastWrite, normalise, textAsHtml,
  };
})();
