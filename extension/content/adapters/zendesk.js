// Zendesk agent workspace adapter: the CKEditor 5 composer, the requester and their last message.
// Every Zendesk selector lives here; tests/e2e/fixtures/zendesk_ticket.html mirrors the markup.
(() => {
  const kindly = (globalThis.kindly = globalThis.kindly || {});
  if (kindly.adapter) return;

  const SELECTORS = {
    editor: [
      '[data-test-id="omnicomposer-rich-text-ckeditor"][contenteditable="true"]',
      '.ck-editor__editable[contenteditable="true"]',
    ].join(', '),
    message: '[data-test-id="omni-log-comment-item"]',
    sender: '[data-test-id="omni-log-item-sender"]',
    // type="end-user" marks the customer's messages; agents' replies carry another type.
    customerBody: '[data-test-id="omni-log-item-message"][type="end-user"]',
    content: '[data-test-id="omni-log-message-content"]',
  };

  // The conversation log nearest to this composer (several tickets can be open as tabs).
  function nearestMessages(editor) {
    for (let node = editor.parentElement; node; node = node.parentElement) {
      const found = node.querySelectorAll(SELECTORS.message);
      if (found.length) return [...found];
    }
    return [];
  }

  kindly.adapter = {
    name: 'zendesk',
    channel: null,
    findEditors(root = document) {
      // CKEditor nests editables (tables, captions); only the root one is the reply.
      return [...root.querySelectorAll(SELECTORS.editor)]
        .filter((el) => !el.parentElement.closest('[contenteditable="true"]'));
    },
    readDraft(editor) {
      return kindly.editorText.readText(editor);
    },
    readHtml(editor) {
      return kindly.editorText.readHtml(editor);
    },
    readContext(editor) {
      const messages = nearestMessages(editor);
      const fromCustomer = messages.filter((m) => m.querySelector(SELECTORS.customerBody));
      const last = fromCustomer.pop() || messages.pop();
      if (!last) return {};
      const sender = last.querySelector(SELECTORS.sender);
      const content = last.querySelector(SELECTORS.content);
      return {
        customerName: sender ? sender.textContent.trim() : undefined,
        customerMessage: content ? kindly.editorText.readText(content) : undefined,
      };
    },
    write(editor, content) {
      return kindly.editorText.write(editor, content);
    },
  };
})();
