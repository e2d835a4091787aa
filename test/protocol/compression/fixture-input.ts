// The deterministic input behind the CLI-made fixtures in fixtures/ (see fixtures/README.md).
export function fixtureInput(): Buffer {
  const lines: string[] = []
  for (let i = 0; i < 2500; i++)
    lines.push(`{"offset":${i},"user":"user-${i % 37}","score":${(i * 7919) % 1000}}\n`)
  return Buffer.from(lines.join(''), 'utf8')
}
