// What a reader would call broken on a page: text cut by an ellipsis or a clipping box, a number
// split from its unit across two lines, and sideways scrolling of the page itself.
// Argument: the CSS selector of the region to check (the whole app, or the big screen's board).
(rootSelector) => {
  const roots = [...document.querySelectorAll(rootSelector)];
  // On screen: a box, inside the window sideways, not in a closed expander (<details>).
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && r.right > 0 && r.left < innerWidth
      && el.checkVisibility();
  };
  const cut = [];
  for (const root of roots) {
    for (const el of root.querySelectorAll('*')) {
      if (el.closest('[data-testid="stDataFrame"], .vega-embed')) continue;
      const text = (el.innerText || '').trim();
      if (!text || text.length > 300) continue;
      if (!visible(el)) continue;
      const style = getComputedStyle(el);
      const clips = style.overflowX !== 'visible' || style.textOverflow === 'ellipsis';
      if (clips && el.scrollWidth > el.clientWidth + 1) cut.push(text.slice(0, 40));
    }
  }
  // A number and its unit (with or without a space, a no-break space or a word joiner).
  const unit = /[+\-−]?\d[\d,.]*[ \u00a0\u2060]?(个[\u2060]?百[\u2060]?分[\u2060]?点|万[\u2060]?元|亿[\u2060]?元|小[\u2060]?时|人[\u2060]?次|户|人|项|%)/g;
  const split = [];
  for (const root of roots) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      const node = walker.currentNode;
      const parent = node.parentElement;
      if (!parent) continue;
      if (!visible(parent)) continue;
      for (const match of node.textContent.matchAll(unit)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const lines = new Set([...range.getClientRects()].filter(r => r.width > 0)
          .map(r => Math.round(r.bottom)));
        if (lines.size > 1) split.push(match[0]);
      }
    }
  }
  const doc = document.documentElement;
  return {cut, split, sideways: doc.scrollWidth > doc.clientWidth + 1};
}
