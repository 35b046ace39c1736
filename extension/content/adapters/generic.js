// Generic adapter for sites the user turned on: any visible textarea or contenteditable editor.
(() => {
  const kindly = (globalThis.kindly = globalThis.kindly || {});
  if (kindly.adapter) return;

  const SELECTORS = {
    editor: 'textarea, [contenteditable="true"], [contenteditable=""], [contenteditable="plaintext-only"]',
  };
  const MIN_HEIGHT = 30; // one-line fields (search boxes) are not replies

  function isReplyEditor(el) {
    if (el.parentElement?.closest('[contenteditable]:not([contenteditable="false"])')) return false;
    if (el.readOnly || el.disabled || el.getAttribute('aria-readonly') === 'true') return false;
    const rect = kindly.layout.editorRect(el); // a frame's editable body: the frame's size
    return rect.width > 0 && rect.height >= MIN_HEIGHT;
  }

  kindly.adapter = {
    name: 'generic',
    channel: null,
    findEditors(root = document) {
      return [...root.querySelectorAll(SELECTORS.editor)].filter(isReplyEditor);
    },
    readDraft(editor) {
      return kindly.editorText.readText(editor);
    },
    readHtml(editor) {
      return kindly.editorText.readHtml(editor);
    },
    readContext() {
      return {};
    },
    write(editor, content) {
      return kindly.editorText.write(editor, content);
    },
  };
})();
