// Word-level diff of the draft against the rewrite, so the preview can highlight what changed.
(() => {
  const kindly = (globalThis.kindly = globalThis.kindly || {});
  if (kindly.diffWords) return;

  const MAX_CELLS = 4000000; // beyond this the preview shows the rewrite without highlights

  // Words keep their trailing whitespace, so spaces never match on their own.
  function tokens(text) {
    return text.match(/^\s+|\S+\s*/g) || [];
  }

  // Within each changed stretch, all removed words come first, then all added ones, so the
  // preview reads "~~We can't~~ Hi Priya," rather than interleaving the two.
  function groupChanges(parts) {
    const out = [];
    let del = '';
    let add = '';
    const flush = () => {
      // A replaced word that ends a paragraph: the break belongs to the new word only, or the
      // preview would show a paragraph break after the struck-out word too.
      if (del && add) del = del.replace(/\s*\n\s*$/, ' ');
      if (del) out.push({ op: 'del', text: del });
      if (add) out.push({ op: 'add', text: add });
      del = '';
      add = '';
    };
    for (const part of parts) {
      if (part.op === 'del') del += part.text;
      else if (part.op === 'add') add += part.text;
      else {
        flush();
        out.push(part);
      }
    }
    flush();
    return out;
  }

  // Returns [{op: 'same'|'add'|'del', text}] with neighbouring pieces of one kind merged.
  function diffWords(before, after) {
    const a = tokens(before);
    const b = tokens(after);
    if (a.length * b.length > MAX_CELLS) return [{ op: 'add', text: after }];
    // Longest common subsequence table, filled from the end so the walk goes forwards.
    const width = b.length + 1;
    const table = new Uint32Array((a.length + 1) * width);
    for (let i = a.length - 1; i >= 0; i -= 1) {
      for (let j = b.length - 1; j >= 0; j -= 1) {
        table[i * width + j] = a[i].trimEnd() === b[j].trimEnd()
          ? table[(i + 1) * width + j + 1] + 1
          : Math.max(table[(i + 1) * width + j], table[i * width + j + 1]);
      }
    }
    const parts = [];
    const push = (op, text) => {
      const last = parts[parts.length - 1];
      if (last && last.op === op) last.text += text;
      else parts.push({ op, text });
    };
    let i = 0;
    let j = 0;
    while (i < a.length && j < b.length) {
      if (a[i].trimEnd() === b[j].trimEnd()) {
        push('same', b[j]); // the rewrite's own spacing
        i += 1;
        j += 1;
      } else if (table[(i + 1) * width + j] >= table[i * width + j + 1]) {
        push('del', a[i]);
        i += 1;
      } else {
        push('add', b[j]);
        j += 1;
      }
    }
    while (i < a.length) push('del', a[i++]);
    while (j < b.length) push('add', b[j++]);
    return groupChanges(parts);
  }

  kindly.diffWords = diffWords;
})();
