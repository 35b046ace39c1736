// Test fixture: a React-style controlled textarea (value kept in a JS model, synced on input).
let model = '';
let area = null;

function mount(text) {
  const host = document.getElementById('editor-host');
  host.replaceChildren();
  area = document.createElement('textarea');
  area.setAttribute('aria-label', 'Reply');
  area.rows = 8;
  model = text;
  area.value = text;
  area.addEventListener('input', () => { model = area.value; });
  host.append(area);
}

mount(document.getElementById('editor-host').dataset.initial || '');

window.editorApi = {
  name: 'textarea',
  getText: () => model,
  setText: (text) => mount(text),
  rerender: () => mount(model),
};
