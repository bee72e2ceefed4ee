/**
 * A "billion laughs" YAML alias bomb: `levels` anchors, each a list of nine aliases of the one
 * before, so the text is about 500 bytes (9 levels) and its expansion 9^levels values.
 * `positionKeeping` adds a local tag, which the fast parser (js-yaml) refuses, so the text goes to the
 * position-keeping parser instead.
 */
export function aliasBomb(levels: number, positionKeeping = false): string {
  const names = Array.from({ length: levels }, (_, i) => `la${i}`);
  const rows = [`${names[0]}: &${names[0]} [lol,lol,lol,lol,lol,lol,lol,lol,lol]`];
  for (let i = 1; i < levels; i++)
    rows.push(
      `${names[i]}: &${names[i]} [${Array(9)
        .fill(`*${names[i - 1]}`)
        .join(',')}]`,
    );
  if (positionKeeping) rows.push(`z: !local 1`);
  return rows.join('\n') + '\n';
}
