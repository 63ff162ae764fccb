// A tiny terminal for the console tests: applies what a reporter wrote (text, \r, \n and the escape
// codes the live display uses: cursor up, erase line, erase below; colour and synchronized-output
// codes are ignored) and returns the lines left on the screen, as a person would see them.
// Anything else is an error, so a display that starts using a new code is noticed here. With a
// width, a line longer than it wraps onto the next row, as a terminal does.

export function screen(output: string, width = Infinity): string[] {
  const lines: string[] = [''];
  let row = 0;
  let col = 0;
  const put = (ch: string) => {
    if (col >= width) {
      row += 1;
      col = 0;
      if (lines.length <= row) lines.push('');
    }
    const line = lines[row] ?? '';
    lines[row] = line.padEnd(col, ' ').slice(0, col) + ch + line.slice(col + 1);
    col += 1;
  };
  for (let i = 0; i < output.length;) {
    const ch = output[i] ?? '';
    if (ch === '\u001b') {
      const match = /^\u001b\[(\??)([0-9;]*)([A-Za-z])/.exec(output.slice(i));
      if (match === null) throw new Error(`unknown escape at ${i}: ${JSON.stringify(output.slice(i, i + 8))}`);
      const [all, priv, args, code] = match;
      i += all.length;
      if (priv === '?' && (code === 'h' || code === 'l')) continue;
      if (code === 'm') continue;
      if (code === 'A') row = Math.max(0, row - Number(args || '1'));
      else if (code === 'K' && args === '2') lines[row] = '';
      else if (code === 'J' && (args === '' || args === '0')) {
        lines[row] = (lines[row] ?? '').slice(0, col);
        lines.length = row + 1;
      } else throw new Error(`unhandled escape ${JSON.stringify(all)}`);
      continue;
    }
    i += 1;
    if (ch === '\r') col = 0;
    else if (ch === '\n') {
      row += 1;
      col = 0;
      if (lines.length <= row) lines.push('');
    } else put(ch);
  }
  while (lines.length > 0 && lines.at(-1) === '') lines.pop();
  return lines;
}
