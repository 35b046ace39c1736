// Gmail adapter: the compose/reply body, the thread's last sender and message.
// Every Gmail selector lives here; tests/e2e/fixtures/gmail_thread.html mirrors the markup.
(() => {
  const kindly = (globalThis.kindly = globalThis.kindly || {});
  if (kindly.adapter) return;

  const SELECTORS = {
    editor: 'div[aria-label="Message Body"][contenteditable="true"]',
    // Parts of the body that are not the agent's words: quoted thread, signature.
    notDraft: '.gmail_quote, .gmail_signature, .gmail_signature_prefix, .gmail_extra',
    message: 'div.adn',
    sender: 'span.gD',
    body: 'div.a3s',
  };

  function nearestMessages(editor) {
    for (let node = editor.parentElement; node; node = node.parentElement) {
      const found = node.querySelectorAll(SELECTORS.message);
      if (found.length) return [...found];
    }
    return [];
  }

  // The draft is everything before the first quote or signature block, up to the end of its
  // last non-blank line: ending the range inside that line keeps Chrome from merging the
  // signature into the new text, and leaves the blank lines in front of the signature alone.
  function draftRange(editor) {
    const marker = editor.querySelector(SELECTORS.notDraft);
    if (!marker) return null;
    let top = marker;
    while (top.parentElement !== editor) top = top.parentElement;
    let last = top.previousSibling;
    while (last && !last.textContent.trim()) last = last.previousSibling;
    if (!last) return null;
    const range = document.createRange();
    range.setStart(editor, 0);
    if (last.nodeType === Node.TEXT_NODE) range.setEnd(last, last.length);
    else range.setEnd(last, last.childNodes.length);
    return range;
  }

  kindly.adapter = {
    name: 'gmail',
    channel: 'email',
    findEditors(root = document) {
      return [...root.querySelectorAll(SELECTORS.editor)];
    },
    readDraft(editor) {
      return kindly.editorText.readText(editor, SELECTORS.notDraft);
    },
    readHtml(editor) {
      return kindly.editorText.readHtml(editor, SELECTORS.notDraft);
    },
    readContext(editor) {
      const last = nearestMessages(editor).pop();
      if (!last) return {};
      const sender = last.querySelector(SELECTORS.sender);
      const body = last.querySelector(SELECTORS.body);
      return {
        customerName: sender ? (sender.getAttribute('name') || sender.textContent).trim() : undefined,
        customerMessage: body ? kindly.editorText.readText(body) : undefined,
      };
    },
    write(editor, content) {
      return kindly.editorText.write(editor, content, draftRange(editor));
    },
  };
})();
