// Times as the intake pages show them.

/** Unix ms as 「yyyy-mm-dd hh:mm」 in China Standard Time. */
export function timeCn(ms: number | null): string {
  if (ms == null) return ''
  const d = new Date(ms + 8 * 3600_000)
  const p = (n: number) => String(n).padStart(2, '0')
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}`
}
