// Display wording for card fields.
import type { CardKind, Date, Sex, Validity } from '../bindings'

export const cardKindLabel: Record<CardKind, string> = {
  resident: '居民身份证',
  foreign_permanent: '外国人永久居留身份证',
  hk_macao_taiwan: '港澳台居民居住证',
}

export const sexLabel: Record<Sex, string> = {
  unknown: '未知',
  male: '男',
  female: '女',
  unspecified: '未说明',
}

export function dateLabel(d: Date): string {
  return `${d.year}年${d.month}月${d.day}日`
}

export function validityLabel(from: Date, until: Validity): string {
  const end = until.type === 'long_term' ? '长期' : dateLabel(until.date)
  return `${dateLabel(from)} 至 ${end}`
}
