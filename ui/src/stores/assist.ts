// 部门协查 at the window (L4): the requests this department sent (我的协查) and the ones sent
// to it (协查待办), the request open, what receiving its stamped proof said, and the seal
// dialog's keys. Labels come from the Rust table (`assist_state_labels`); every rule and
// refusal from core, shown as its UserError message.
import { defineStore } from 'pinia'
import { ref } from 'vue'
import type {
  AssistDraft,
  AssistList,
  AssistPrint,
  AssistProofText,
  AssistReceived,
  AssistRequest,
  AssistState,
  AssistStateLabel,
  MaterialEntry,
  SealKey,
  UserError,
} from '../bindings'
import { useBackend } from '../backend'
import type { Result } from '../backend'
import { pagesWithFiles } from './intake'

/** The two mailboxes: requests sent by this department, requests to it. */
export type Mailbox = 'sent' | 'inbox'

export const useAssistStore = defineStore('assist', () => {
  const backend = useBackend()
  const stateLabels = ref<AssistStateLabel[]>([])
  const departments = ref<string[]>([])
  const lists = ref<Record<Mailbox, AssistList | null>>({ sent: null, inbox: null })
  const filters = ref<Record<Mailbox, AssistState | null>>({ sent: null, inbox: null })
  /** The request open, and the mailbox it was opened from. */
  const current = ref<AssistRequest | null>(null)
  const currentIn = ref<Mailbox>('sent')
  /** The last 接收并验章 of the open request. */
  const received = ref<AssistReceived | null>(null)
  const error = ref<UserError | null>(null)
  /** A sentence of success (sent, printed, taken as material). */
  const notice = ref('')
  const busy = ref(false)
  const sealKeys = ref<SealKey[]>([])
  const sealError = ref<UserError | null>(null)

  async function run<T>(call: () => Promise<Result<T>>): Promise<T | null> {
    busy.value = true
    error.value = null
    notice.value = ''
    const r = await call()
    busy.value = false
    if (r.status === 'error') {
      error.value = r.error
      return null
    }
    return r.data
  }

  /** The state labels, and the departments for a request (a clerk without `accept` gets none). */
  async function load(withDepartments: boolean) {
    if (!stateLabels.value.length) stateLabels.value = await backend.assist.stateLabels()
    if (withDepartments) {
      const d = await backend.assist.departments()
      if (d.status === 'ok') departments.value = d.data
      else error.value = d.error
    }
  }

  const stateLabel = (s: AssistState) => stateLabels.value.find((l) => l.state === s)?.label ?? s

  /** Lists a mailbox again (a sentence of success stays). */
  async function refresh(box: Mailbox) {
    const state = filters.value[box]
    const r = await (box === 'sent' ? backend.assist.sent(state) : backend.assist.inbox(state))
    if (r.status === 'error') error.value = r.error
    else lists.value[box] = r.data
  }

  async function filter(box: Mailbox, state: AssistState | null) {
    filters.value[box] = state
    await refresh(box)
  }

  /** Sends the requests waiting here (待发送) and lists the sent ones again. */
  async function flush() {
    const n = await run(() => backend.assist.flush())
    if (n !== null) notice.value = `已发送 ${n} 件待发送的协查申请。`
    await refresh('sent')
  }

  /** 发起协查: the request as the server (or the outbox, 待发送) has it. */
  async function request(draft: AssistDraft) {
    const r = await run(() => backend.assist.request(draft))
    if (r) {
      notice.value = `协查申请已${r.state === 'queued' ? '保存，待网络恢复后发送' : '发送'}（${r.state_label}）。`
      current.value = r
      currentIn.value = 'sent'
      received.value = null
    }
    return r
  }

  function show(r: AssistRequest, box: Mailbox) {
    current.value = r
    currentIn.value = box
    received.value = null
    error.value = null
    notice.value = ''
    sealError.value = null
  }

  async function open(id: string, box: Mailbox) {
    const r = await run(() => backend.assist.get(id))
    if (r) show(r, box)
  }

  /** A new session's page: nothing of the last clerk's lists, request or sentences. */
  function reset() {
    lists.value = { sent: null, inbox: null }
    filters.value = { sent: null, inbox: null }
    current.value = null
    received.value = null
    error.value = null
    notice.value = ''
    sealKeys.value = []
    sealError.value = null
  }

  function close() {
    current.value = null
    received.value = null
  }

  /** Replaces the open request (and its row) with what the workstation answered. */
  function update(r: AssistRequest) {
    current.value = r
    for (const box of ['sent', 'inbox'] as const) {
      const list = lists.value[box]
      if (list) list.requests = list.requests.map((x) => (x.id === r.id ? r : x))
    }
  }

  /** 接收并验章: the stamped proof downloaded and verified; the verdict's sentence shows. */
  async function receive() {
    if (!current.value) return
    const r = await run(() => backend.assist.receive(current.value!.id))
    if (r) {
      received.value = r
      update(r.request)
    }
  }

  /** 作为材料: the verified stamped proof joins a material of the open case (电子材料). */
  async function takeAsMaterial(m: MaterialEntry) {
    if (!current.value) return false
    const r = await run(() => backend.assist.takeAsMaterial(current.value!.id))
    if (!r) return false
    received.value = r.received
    m.files = [...m.files.filter((f) => f.sha256 !== r.attachment.sha256), r.attachment]
    m.received = r.received_as
    m.pages = pagesWithFiles(m)
    notice.value = `协查证明已作为「${m.name}」的电子材料。`
    return true
  }

  async function print(which: AssistPrint) {
    if (!current.value) return
    const r = await run(() => backend.assist.print(current.value!.id, which))
    if (r) notice.value = r.message
  }

  async function writeProof(text: AssistProofText) {
    if (!current.value) return
    const r = await run(() => backend.assist.writeProof(current.value!.id, text))
    if (r) update(r)
  }

  async function attachProof(bytes: number[]) {
    if (!current.value) return
    const r = await run(() => backend.assist.attachProof(current.value!.id, bytes))
    if (r) update(r)
  }

  async function returnRequest(reason: string) {
    if (!current.value) return
    const r = await run(() => backend.assist.returnRequest(current.value!.id, reason))
    if (r) update(r)
  }

  /** The seal dialog opens: the seal keys plugged in. */
  async function loadSealKeys() {
    sealError.value = null
    const r = await backend.assist.sealKeys()
    if (r.status === 'ok') sealKeys.value = r.data
    else {
      sealKeys.value = []
      sealError.value = r.error
    }
  }

  /** 盖章 with the seal PIN; a wrong PIN leaves the dialog open with the count-down. */
  async function stamp(sealPin: string) {
    if (!current.value) return false
    busy.value = true
    sealError.value = null
    const r = await backend.assist.stamp(current.value.id, sealPin, {})
    busy.value = false
    if (r.status === 'error') {
      sealError.value = r.error
      await refreshKeys()
      return false
    }
    update(r.data)
    notice.value = r.data.sealed_by ?? r.data.state_label
    return true
  }

  /** The keys again after a refusal (the PIN's tries left). */
  async function refreshKeys() {
    const r = await backend.assist.sealKeys()
    if (r.status === 'ok') sealKeys.value = r.data
  }

  return {
    stateLabels, departments, lists, filters, current, currentIn, received, error, notice, busy, sealKeys, sealError,
    load, stateLabel, refresh, filter, flush, request, show, open, reset, close, receive, takeAsMaterial, print, writeProof, attachProof,
    returnRequest, loadSealKeys, stamp,
  }
})
