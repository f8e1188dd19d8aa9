// Labels and small helpers of the intake pages.
import type { Answer, CaseState, DecisionKind, Item, Light, Question, ReceivedAs } from '../bindings'

export const receivedLabels: Record<ReceivedAs, string> = {
  missing: '未收取',
  paper: '纸质原件',
  copy: '复印件',
  electronic: '电子材料',
  scanned: '高拍仪采集',
}

export function decisionLabel(k: DecisionKind): string {
  return { accept: '受理', deferred: '容缺受理', supplement: '补正补齐', reject: '不予受理' }[k]
}

export const stateLabels: Record<CaseState, string> = {
  draft: '暂存',
  accepted: '已受理',
  deferred: '容缺受理',
  rejected: '不予受理',
  supplement: '补正补齐',
  withdrawn: '已撤回',
}

export const lightLabels: Record<Light, string> = {
  none: '',
  green: '正常',
  yellow: '今日到期',
  orange: '超期1个工作日',
  red: '严重超期',
}

/** The next question the answers have not reached an end for; null once a situation is set. */
export function currentQuestion(item: Item, answers: Answer[]): Question | null {
  const questions = item.questions ?? []
  if (!questions.length) return null
  let q: Question | undefined = questions[0]
  for (const a of answers) {
    if (!q || a.question_id !== q.id) return q ?? null
    const next: Question['options'][number]['next'] | undefined = q.options[a.option]?.next
    if (!next) return q
    if ('situation' in next) return null
    q = questions.find((x) => x.id === next.question)
  }
  return q ?? null
}

export function timeCn(ms: number | null): string {
  if (ms == null) return ''
  const d = new Date(ms + 8 * 3600_000)
  const p = (n: number) => String(n).padStart(2, '0')
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}`
}
