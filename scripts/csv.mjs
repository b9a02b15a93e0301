// CSV as `avlens` writes and reads it (RFC 4180 quotes; header names trimmed and lower-cased):
// rows as objects keyed by the header. Shared by the model-making scripts.
export function parseCsv(text) {
  const rows = [];
  for (const line of text.split(/\r?\n/)) {
    if (!line.trim()) continue;
    const cells = [''];
    let quoted = false;
    for (let i = 0; i < line.length; i++) {
      const c = line[i];
      if (quoted) {
        if (c === '"' && line[i + 1] === '"') cells[cells.length - 1] += '"', i++;
        else if (c === '"') quoted = false;
        else cells[cells.length - 1] += c;
      } else if (c === '"') quoted = true;
      else if (c === ',') cells.push('');
      else cells[cells.length - 1] += c;
    }
    rows.push(cells);
  }
  const [header, ...body] = rows;
  return body.map((r) => Object.fromEntries(header.map((h, i) => [h.trim().toLowerCase(), (r[i] ?? '').trim()])));
}
