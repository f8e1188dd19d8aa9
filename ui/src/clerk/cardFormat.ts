// Display wording for card dates. Card types and sexes are named by the workstation's label
// tables (`useLabelsStore().cardKind`, `.sex`), not here.
import type { Date, Validity } from '../bindings'

export function dateLabel(d: Date): string {
  return `${d.year}年${d.month}月${d.day}日`
}

export function validityLabel(from: Date, until: Validity): string {
  const end = until.type === 'long_term' ? '长期' : dateLabel(until.date)
  return `${dateLabel(from)} 至 ${end}`
}
