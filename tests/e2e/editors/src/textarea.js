// Test fixture: a plain textarea whose value is the model.
let area = null;

function mount(text) {
  const host = document.getElementById('editor-host');
  host.replaceChildren();
  area = document.createElement('textarea');
  area.setAttribute('aria-label', 'Reply');
  area.rows = 8;
  area.value = text;
  host.append(area);
}

mount(document.getElementById('editor-host').dataset.initial || '');

window.editorApi = {
  name: 'textarea',
  getText: () => area.value,
  setText: (text) => mount(text),
  rerender: () => mount(area.value),
  paragraphs: () => area.value.split(/\n{2,}/).filter(Boolean).length,
  marks: () => [],
};
