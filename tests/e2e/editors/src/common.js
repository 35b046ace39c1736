// Shared by the editor fixtures: the draft as HTML paragraphs, and marks read from runs of text.

export function escapeText(text) {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function textAsHtml(text) {
  return text.split(/\n{2,}/)
    .map((para) => `<p>${para.split('\n').map(escapeText).join('<br>')}</p>`)
    .join('');
}

// runs: [{text, bold, href, block}] in document order -> [[kind, text, href]], one entry per
// unbroken bold run or link (same href) inside one block.
export function marksFromRuns(runs) {
  const out = [];
  let bold = null;
  let link = null;
  for (const run of runs) {
    if (run.bold && bold && bold.block === run.block) bold.text += run.text;
    else {
      if (bold) out.push(['bold', bold.text, null]);
      bold = run.bold ? { text: run.text, block: run.block } : null;
    }
    if (run.href && link && link.href === run.href && link.block === run.block) link.text += run.text;
    else {
      if (link) out.push(['link', link.text, link.href]);
      link = run.href ? { text: run.text, href: run.href, block: run.block } : null;
    }
  }
  if (bold) out.push(['bold', bold.text, null]);
  if (link) out.push(['link', link.text, link.href]);
  return out;
}

// Marks read from the editor's DOM, for editors whose DOM is their model (TinyMCE, plain).
export function marksFromDom(root) {
  const runs = [];
  let block = 0;
  const walk = (node, bold, href) => {
    for (const child of node.childNodes) {
      if (child.nodeType === Node.TEXT_NODE) {
        if (child.data) runs.push({ text: child.data, bold, href, block });
      } else if (child.nodeType === Node.ELEMENT_NODE) {
        const tag = child.tagName;
        if (/^(P|DIV|LI|H[1-6]|BLOCKQUOTE)$/.test(tag)) block += 1;
        walk(child, bold || tag === 'B' || tag === 'STRONG', tag === 'A' ? child.getAttribute('href') : href);
      }
    }
  };
  walk(root, false, null);
  return marksFromRuns(runs);
}

// Marks of a ProseMirror document (ProseMirror itself, TipTap): `bold` names the bold mark.
export function proseMirrorMarks(doc, bold) {
  const runs = [];
  doc.forEach((block, _offset, index) => {
    block.descendants((node) => {
      if (!node.isText) return;
      const link = node.marks.find((m) => m.type.name === 'link');
      runs.push({ text: node.text, bold: node.marks.some((m) => m.type.name === bold), href: link ? link.attrs.href : null, block: index });
    });
  });
  return marksFromRuns(runs);
}

// Mounts a React element in a fresh box inside #editor-host (unmounting the last one).
let reactRoot = null;
export function mountReact(createRoot, element) {
  const host = document.getElementById('editor-host');
  if (reactRoot) reactRoot.unmount();
  host.replaceChildren();
  const box = document.createElement('div');
  host.append(box);
  reactRoot = createRoot(box);
  reactRoot.render(element);
}
