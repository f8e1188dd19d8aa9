// The case at the window (issue 5): the item, the draft being taken in, the decision entered,
// the notice printed for it, and the actions on them. The intake page's components read and
// change it; the rules stay in the workstation (`yichuang_core::domain::intake`).
import { defineStore } from 'pinia'
import { computed, ref, shallowRef, watch } from 'vue'
import type {
  Attachment,
  Case,
  CatalogHome,
  CaseDraft,
  CodeTarget,
  ConclusionInput,
  DecisionInput,
  DecisionKind,
  Item,
  MaterialEntry,
  Party,
  Question,
  UserError,
} from '../bindings'
import { useBackend } from '../backend'
import { useCardStore } from './card'
import { useLabelsStore } from './labels'
import { useShellStore } from './shell'

export type Role = 'applicant' | 'agent' | 'pickup'
/** The document camera panel: reading a code, or photographing one material. */
export type CameraUse = { mode: 'scan' } | { mode: 'capture'; material: MaterialEntry }
/** The guard's question before a case with unsaved work is dropped. */
export type LeaveChoice = 'park' | 'discard' | 'cancel'
/** Where the flow goes next: the focus goes there and the page names the key that moves on. */
export type Step = 'question' | 'applicant' | 'materials' | 'decision'
/** Where a message shows: at the top of the page, or beside the decision bar (F8, F10). */
export type Place = 'page' | 'bar'

/** What the clerk has put into a case: parties, form, ticked materials, notes (not answers). */
function workOf(d: CaseDraft): string {
  const materials = d.materials
    .filter((m) => m.received !== 'missing' || m.files.length || m.note)
    .map((m) => [m.material_id, m.received, m.pages, m.files.length, m.note])
  return JSON.stringify([d.applicant, d.organisation ?? null, d.agent, d.pickup, d.form, d.notes, materials])
}

export function emptyParty(): Party {
  return { name: '', id_number: '', id_source: 'none', sex: '', nation: '', birth: '', address: '', phone: '' }
}

/** A material's pages once files are attached to it: the count entered (F7 puts at least 1), or
 * the files' pages when they make more. A page photographed or scanned from the paper in hand
 * is the same page, never one more. */
export function pagesWithFiles(m: MaterialEntry): number {
  return Math.max(m.pages, m.files.reduce((n, f) => n + f.pages, 0))
}

export function readBytes(file: Blob): Promise<ArrayBuffer> {
  return new Promise((resolve, reject) => {
    const r = new FileReader()
    r.onload = () => resolve(r.result as ArrayBuffer)
    r.onerror = () => reject(r.error ?? new Error('read failed'))
    r.readAsArrayBuffer(file)
  })
}

export const useIntakeStore = defineStore('intake', () => {
  const backend = useBackend()
  const card = useCardStore()
  const labels = useLabelsStore()
  const shell = useShellStore()

  const home = ref<CatalogHome | null>(null)
  /** The item search text. */
  const query = ref('')
  const item = ref<Item | null>(null)
  const draft = ref<CaseDraft | null>(null)
  /** The case as last saved (by printing its notice or resuming it). */
  const saved = ref<Case | null>(null)
  const kind = ref<DecisionKind>('accept')
  const reason = ref('')
  const promise = ref('')
  const deadline = ref('')
  /** What the last notice was printed for; the decision waits for a match. */
  const printedKey = ref<string | null>(null)
  const done = ref<Case | null>(null)
  /** The decided case is of an 即办件: the banner offers 当场办结 (E11). */
  const doneInstant = ref(false)
  const notice = ref('')
  const error = ref<UserError | null>(null)
  const busy = ref(false)
  const cameraFor = ref<CameraUse | null>(null)
  /** The situation question the workstation says comes next. */
  const question = ref<Question | null>(null)
  /** Bumped when the item search should take the focus. */
  const focusSearch = ref(0)
  /** Bumped when the focus should go to the next step of the flow (`step`). */
  const focusStep = ref(0)
  /** Where `error` and `notice` show. */
  const at = ref<Place>('page')
  /** 「请先打印通知书（F8）」 beside the decision bar. */
  const warning = ref('')
  /** The case's work as last saved or as it was opened; anything else is unsaved. */
  const baseline = ref('')
  /** Bumped when a case was saved, decided or parked (the workbench's figures follow). */
  const changes = ref(0)
  /** Set while the guard asks; answering resolves it. */
  const asking = shallowRef<((c: LeaveChoice) => void) | null>(null)
  /** A person from a personal code read before an item was chosen. */
  let codeParty: Party | null = null

  const missingRequired = computed(() => draft.value?.materials.filter((m) => m.required && m.received === 'missing') ?? [])
  const decision = computed<DecisionInput>(() => ({
    kind: kind.value,
    reason: reason.value,
    promise: promise.value,
    deadline: deadline.value || null,
  }))
  const currentKey = computed(() => JSON.stringify({ d: { ...draft.value, id: null }, x: decision.value }))
  const canDecide = computed(() => !!saved.value && printedKey.value === currentKey.value && !busy.value)
  /** Fields typed or materials ticked since the case was opened or last saved. */
  const dirty = computed(() => !!draft.value && workOf(draft.value) !== baseline.value)
  const step = computed<Step | null>(() => {
    const d = draft.value
    if (!d) return null
    if (question.value) return 'question'
    if (!d.applicant.name.trim() || !d.applicant.id_number.trim()) return 'applicant'
    if (d.organisation && (!d.organisation.name.trim() || !d.organisation.uscc.trim())) return 'applicant'
    if (missingRequired.value.length) return 'materials'
    return 'decision'
  })
  const advance = () => void focusStep.value++

  // A card placed while a case is open fills the applicant when it is still empty.
  watch(
    () => card.card,
    (c) => {
      if (shell.status?.locked) return
      if (c && draft.value && !draft.value.applicant.name && !draft.value.applicant.id_number) {
        // Moves on only when the clerk was not typing elsewhere.
        const f = document.activeElement
        const idle = !f || f === document.body || (f as HTMLElement).dataset?.testid === 'applicant-name'
        void fillFromCard('applicant', idle)
      }
    },
  )

  // A card read answers 「请将身份证放到读卡器上。」 whatever fills the applicant afterwards.
  watch(
    () => card.card,
    (c) => {
      const code = error.value?.code as string | undefined
      if (c && (code === 'intake.no_card' || code === 'intake.card_stale')) error.value = null
    },
  )

  // An action refused while the key was out says nothing once it is back.
  watch(
    () => shell.status?.locked,
    (locked, was) => {
      if (was && !locked && (error.value?.code as string | undefined) === 'intake.locked') error.value = null
    },
  )

  /** The question the draft's answers lead to, asked before the draft shows, so the question
   * appears with the case and a digit never meets a stale one. */
  const ask = (it: Item, d: CaseDraft) => backend.intake.currentQuestion(it, d.answers)

  function show(it: Item, d: CaseDraft, q: Question | null) {
    item.value = it
    draft.value = d
    question.value = q
  }

  // One place shows the messages at a time: a message for the other place drops the old one's.
  function fail(e: UserError, place: Place = 'page'): false {
    if (at.value !== place) notice.value = ''
    error.value = e
    at.value = place
    return false
  }

  function say(text: string, place: Place = 'page') {
    if (at.value !== place) error.value = null
    notice.value = text
    at.value = place
  }

  /** The guard (E7): true when the case may go — nothing unsaved, parked, or discarded. */
  async function leave(): Promise<boolean> {
    if (!dirty.value) return true
    const choice = await new Promise<LeaveChoice>((resolve) => (asking.value = resolve))
    asking.value = null
    if (choice === 'cancel') return false
    if (choice === 'park') return park()
    return true
  }

  /** The guard dialog's answer. */
  function answerGuard(c: LeaveChoice) {
    asking.value?.(c)
  }

  async function loadHome() {
    const r = await backend.intake.home()
    if (r.status === 'ok') home.value = r.data
  }

  function reset() {
    item.value = null
    draft.value = null
    question.value = null
    saved.value = null
    kind.value = 'accept'
    reason.value = ''
    promise.value = ''
    deadline.value = ''
    printedKey.value = null
    error.value = null
    warning.value = ''
    baseline.value = ''
  }

  /** Forgets everything: the page is gone (logout, another clerk). */
  function clear() {
    reset()
    home.value = null
    query.value = ''
    done.value = null
    notice.value = ''
    busy.value = false
    cameraFor.value = null
    codeParty = null
    asking.value?.('cancel')
  }

  function suggestKind() {
    if (kind.value === 'accept' || kind.value === 'supplement') kind.value = missingRequired.value.length ? 'supplement' : 'accept'
  }

  async function pick(code: string): Promise<boolean> {
    const parked = dirty.value
    if (!(await leave())) return false
    error.value = null
    const [it, d] = await Promise.all([backend.intake.item(code), backend.intake.newDraft(code)])
    if (it.status === 'error') return fail(it.error)
    if (d.status === 'error') return fail(d.error)
    const q = await ask(it.data, d.data)
    // The citizen may have shown a personal code first, or put the card down.
    const fromCode = codeParty
    codeParty = null
    if (fromCode) d.data.applicant = { ...fromCode }
    reset()
    done.value = null
    // 「已暂存…」 of a case the guard just parked stays.
    if (!(parked && !dirty.value && notice.value.startsWith('已暂存'))) say('')
    show(it.data, d.data, q)
    query.value = ''
    if (!fromCode && card.onReader && card.card) await fillFromCard('applicant', false)
    baseline.value = workOf(d.data)
    advance()
    return true
  }

  /** A code read under the camera (D1): a ticket or appointment opens its item; a personal
   * code fills the applicant. */
  /** A case receipt's number scanned (D1): the workbench opens that case in the history. */
  const openCase = ref<string | null>(null)
  /** A material-flow slip's number scanned (F3): the workbench opens its sign-off. */
  const openFlow = ref<string | null>(null)

  async function onCode(t: CodeTarget) {
    cameraFor.value = null
    error.value = null
    if (t.code.kind === 'case_receipt') {
      openCase.value = t.code.text.trim()
      return
    }
    if (t.code.kind === 'material_flow') {
      openFlow.value = t.code.text.trim()
      return
    }
    const label = t.ticket ? `取号凭条 ${t.ticket}` : t.appointment ? `预约 ${t.appointment}` : ''
    if (t.party) {
      if (draft.value) draft.value.applicant = { ...t.party, phone: draft.value.applicant.phone }
      else codeParty = { ...t.party }
      say(`已扫描身份码：${t.party.name}`)
      return
    }
    if (t.item_code) {
      await pick(t.item_code)
      if (item.value?.code === t.item_code) say(`${label || '二维码'}：${item.value.name}`)
      return
    }
    at.value = 'page'
    if (t.code.kind === 'personal_code') {
      // Unsigned, badly signed or expired: the core's reason; never filled as read.
      error.value = t.refusal ?? {
        code: 'camera.personal_code_invalid',
        message: '身份码内容无效或证件号码校验不通过，请改用身份证读卡。',
        detail: '',
      }
      return
    }
    error.value = {
      code: 'camera.code_unknown',
      message: label ? `${label}未包含办理事项，请手动选择事项。` : `二维码内容无法识别（${t.code.text.slice(0, 40)}），请手动选择事项。`,
      detail: t.code.text,
    }
  }

  /** Pages photographed for a material, attached as one PDF (E3). */
  function onAttached(m: MaterialEntry, att: Attachment) {
    cameraFor.value = null
    m.files.push(att)
    m.pages = pagesWithFiles(m)
    // Photographed from the paper in hand.
    if (m.received === 'missing') m.received = 'paper'
    suggestKind()
  }

  async function answer(questionId: string, option: number) {
    if (!draft.value || !item.value) return
    const it = item.value
    const idx = draft.value.answers.findIndex((a) => a.question_id === questionId)
    const answers = idx >= 0 ? draft.value.answers.slice(0, idx) : [...draft.value.answers]
    answers.push({ question_id: questionId, option })
    const r = await backend.intake.refresh({ ...draft.value, answers })
    if (r.status === 'error') return void fail(r.error)
    show(it, r.data, await ask(it, r.data))
    suggestKind()
    advance()
  }

  async function undoAnswer(i: number) {
    if (!draft.value || !item.value) return
    const it = item.value
    const r = await backend.intake.refresh({ ...draft.value, answers: draft.value.answers.slice(0, i) })
    if (r.status === 'ok') show(it, r.data, await ask(it, r.data))
  }

  /** F6: the party from the card on the reader; the applicant's read moves the flow on. */
  /** C2: the role an expired card was refused for, until the clerk overrides or moves on. */
  const expiredFor = ref<Role | null>(null)

  async function fillFromCard(role: Role, moveOn = role === 'applicant') {
    if (!draft.value) return
    const r = await backend.intake.partyFromCard()
    expiredFor.value = r.status === 'error' && r.error.code === 'intake.card_expired' ? role : null
    if (r.status === 'error') return void fail(r.error)
    const phone = draft.value[role]?.phone ?? ''
    draft.value[role] = { ...r.data, phone }
    // 「请将身份证放到读卡器上。」 from an earlier F6 is answered by this read.
    const code = error.value?.code as string | undefined
    if (code === 'intake.no_card' || code === 'intake.card_stale') error.value = null
    if (moveOn) advance()
  }

  /** C2: the expired card taken as the law allows, with the clerk's reason (audited). */
  async function fillFromExpiredCard(reason: string) {
    const role = expiredFor.value
    if (!draft.value || !role) return
    const r = await backend.intake.partyFromExpiredCard(reason)
    if (r.status === 'error') return void fail(r.error)
    expiredFor.value = null
    draft.value[role] = { ...r.data, phone: draft.value[role]?.phone ?? '' }
    say('已按例外受理使用过期身份证，原因已记录。')
    if (role === 'applicant') advance()
  }

  function receiveAll() {
    for (const m of draft.value?.materials ?? []) {
      if (m.received === 'missing') {
        m.received = 'paper'
        if (!m.pages) m.pages = Math.max(1, m.count)
      }
    }
    suggestKind()
    advance()
  }

  /** File import (E3): the bytes go to the encrypted material store; the file joins the row. */
  async function importFile(m: MaterialEntry, file: File) {
    const bytes = Array.from(new Uint8Array(await readBytes(file)))
    const r = await backend.intake.attach(file.name, bytes)
    if (r.status === 'error') return void fail(r.error)
    m.files.push(r.data)
    m.pages = pagesWithFiles(m)
    if (m.received === 'missing') m.received = 'electronic'
    suggestKind()
  }

  /** Saves the case and prints the notice of the decision entered (E6). */
  async function printNotice(): Promise<boolean> {
    if (!draft.value || busy.value) return false
    busy.value = true
    // The bar speaks for this print from now on (no 「继续办理…」 left up meanwhile).
    say('', 'bar')
    error.value = null
    warning.value = ''
    const key = currentKey.value
    const r = await backend.intake.printNotice(draft.value, decision.value)
    busy.value = false
    if (r.status === 'error') return fail(r.error, 'bar')
    saved.value = r.data
    draft.value.id = r.data.id
    printedKey.value = key
    baseline.value = workOf(draft.value)
    changes.value++
    say(`${r.data.notices[r.data.notices.length - 1]?.title ?? '通知书'}已打印，编号 ${r.data.case_no}`, 'bar')
    advance()
    return true
  }

  /** F10: the decision, once the notice matching the case is printed; before that it says so
   * beside the bar. */
  async function decide(): Promise<boolean> {
    if (!draft.value || busy.value) return false
    if (!saved.value || !canDecide.value) {
      warning.value = printedKey.value ? '内容已修改，请重新打印通知书（F8）' : '请先打印通知书（F8）'
      return false
    }
    busy.value = true
    error.value = null
    warning.value = ''
    const r = await backend.intake.decide(saved.value.id, decision.value)
    busy.value = false
    if (r.status === 'error') return fail(r.error, 'bar')
    done.value = r.data
    doneInstant.value = !!item.value?.instant
    say('')
    reset()
    changes.value++
    void loadHome()
    focusSearch.value++
    return true
  }

  /** Parks the case (暂存, E7) and clears the page for the next citizen. */
  async function park(): Promise<boolean> {
    if (!draft.value || busy.value) return false
    const r = await backend.intake.save(draft.value, true)
    if (r.status === 'error') return fail(r.error)
    say(`已暂存：${r.data.item_name} ${r.data.draft.applicant.name || ''}，可在「暂存件」中继续办理`)
    changes.value++
    reset()
    focusSearch.value++
    return true
  }

  /** 其他工作人员登录 at the lock (A5): the locked clerk's open case with unsaved work is parked
   * as their draft before the page goes with the session. Null when nothing is lost; the
   * error otherwise (the switch waits). */
  async function parkForSwitch(): Promise<UserError | null> {
    if (!draft.value || !dirty.value) return null
    const r = await backend.intake.parkForSwitch(draft.value)
    if (r.status === 'error') return r.error
    changes.value++
    reset()
    return null
  }

  async function resumeCase(c: Case): Promise<boolean> {
    if (!(await leave())) return false
    const it = await backend.intake.item(c.item_code)
    if (it.status === 'error') return fail(it.error)
    const q = await ask(it.data, c.draft)
    reset()
    done.value = null
    show(it.data, c.draft, q)
    saved.value = c
    baseline.value = workOf(c.draft)
    say(`继续办理：${c.item_name}${c.case_no ? ' ' + c.case_no : ''}`)
    suggestKind()
    advance()
    return true
  }

  /** E11: the decided 即办件 closed at the counter — its decision printed (准予 / 不予许可 with
   * the reason), then 办结. The banner shows the outcome or the error. */
  async function conclude(input: ConclusionInput): Promise<UserError | null> {
    const c = done.value
    if (!c || busy.value) return null
    busy.value = true
    const r = await backend.intake.conclude(c.id, input)
    busy.value = false
    if (r.status === 'error') return r.error
    done.value = r.data
    changes.value++
    return null
  }

  /** The done banner's words: 「已受理：户籍证明，编号 …」. */
  const doneTitle = computed(() =>
    done.value ? `已${labels.decision(done.value.decision?.kind ?? 'accept')}：${done.value.item_name}，编号 ${done.value.case_no}` : '',
  )

  return {
    home,
    query,
    item,
    draft,
    saved,
    kind,
    reason,
    promise,
    deadline,
    done,
    doneInstant,
    doneTitle,
    notice,
    error,
    busy,
    cameraFor,
    question,
    focusSearch,
    focusStep,
    changes,
    at,
    warning,
    asking,
    dirty,
    step,
    missingRequired,
    canDecide,
    decision,
    loadHome,
    clear,
    fail,
    leave,
    answerGuard,
    pick,
    onCode,
    openCase,
    openFlow,
    onAttached,
    answer,
    undoAnswer,
    fillFromCard,
    expiredFor,
    fillFromExpiredCard,
    receiveAll,
    importFile,
    suggestKind,
    printNotice,
    decide,
    conclude,
    park,
    parkForSwitch,
    resumeCase,
  }
})
