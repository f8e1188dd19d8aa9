// The one keymap of the clerk window: every key a page reacts to, per scope, with the action
// it triggers and the words for a key list. Components register handlers for their scope's
// actions (`useKeymap`); one dispatcher on `window` delivers each key to at most one action.
//
// - Global keys (F-keys, Alt/Ctrl chords) are taken in the capture phase: they reach their
//   action from inside any text field and never reach the field or control itself.
// - Plain keys (digits, Space, Enter, Escape) are taken in the bubble phase, after the focused
//   control and the scanner-wedge detector had their turn, and by default not while a form
//   control has the focus (a digit typed into a field is text, not an answer).
// - A chord names its modifiers ("Alt+2"), so a binding of "2" or "1-9" never matches Alt+2.
// - Scopes registered later (a panel opened over the page) are asked first.
// - A scope registered with `when` is skipped while it returns false (a page kept mounted but
//   not shown: its keys do not act and are not listed).
// - A modal scope (the lock, a dialog, the key list) ends the search: keys it does not bind go
//   nowhere, and with a root element no key aimed at an element outside it reaches that element
//   (typing behind the lock lands nowhere).
import { onMounted, onUnmounted, type Ref } from 'vue'
import type { Permission } from './bindings'

export interface Binding {
  /** "F8", "Alt+2", "Escape", " " (Space), or "1-9" for any digit 1 to 9 without modifiers. */
  readonly keys: string
  readonly action: string
  /** What the key does, for a key list. */
  readonly help: string
  /** A plain key that also acts while a form control has the focus. */
  readonly inFields?: boolean
  /** The permission its action needs (A4), or several of which any one will do: without it
   * the key does nothing and the key list says why. */
  readonly needs?: Permission | readonly Permission[]
}

export const keymap = {
  /** The clerk window, whatever page is shown. */
  app: [
    { keys: 'F1', action: 'help', help: '快捷键一览' },
    { keys: 'F9', action: 'devices', help: '设备检测' },
    { keys: 'Escape', action: 'back', help: '返回', inFields: true },
  ],
  /** The workbench after login: its pages. */
  workbench: [
    { keys: 'Alt+1', action: 'intake', help: '收件受理', needs: 'accept' },
    { keys: 'Alt+2', action: 'drafts', help: '暂存件', needs: 'accept' },
    { keys: 'Alt+3', action: 'history', help: '已办历史', needs: 'query' },
    { keys: 'Alt+4', action: 'issuing', help: '出件（结果领取）', needs: 'issue' },
    { keys: 'Alt+5', action: 'flow', help: '物料流转', needs: 'accept' },
    { keys: 'Alt+6', action: 'receive', help: '物料签收', needs: 'issue' },
    { keys: 'Alt+7', action: 'licences', help: '证照查询', needs: 'query' },
    { keys: 'Alt+8', action: 'assist', help: '部门协查', needs: ['accept', 'assist'] },
  ],
  /** 出件: find by the card, hand over. */
  issuing: [
    { keys: 'F6', action: 'card', help: '读卡查询该群众的办件结果' },
    { keys: 'F10', action: 'confirm', help: '确认领取并打印凭证' },
  ],
  /** The desk's own actions (G2): the rating question on the citizen window. */
  desk: [{ keys: 'F12', action: 'rate', help: '服务结束，请群众评价' }],
  /** The desk's queue (B1). */
  queue: [
    { keys: 'F5', action: 'callNext', help: '叫下一位（顺呼）' },
    { keys: 'Shift+F5', action: 'recall', help: '重呼' },
  ],
  /** 收件受理. */
  intake: [
    { keys: 'F2', action: 'search', help: '事项搜索' },
    { keys: 'F3', action: 'scan', help: '高拍仪扫码' },
    { keys: 'F4', action: 'park', help: '暂存' },
    { keys: 'F6', action: 'card', help: '读卡填入申请人' },
    { keys: 'F7', action: 'receiveAll', help: '全部收取' },
    { keys: 'F8', action: 'print', help: '打印通知书' },
    { keys: 'Shift+F8', action: 'preview', help: '预览通知书' },
    { keys: 'F10', action: 'decide', help: '确认决定' },
    { keys: '1-9', action: 'answer', help: '回答情形问题' },
  ],
  /** The item search field (keys of the field itself). */
  itemSearch: [
    { keys: 'ArrowDown', action: 'next', help: '下一项', inFields: true },
    { keys: 'ArrowUp', action: 'previous', help: '上一项', inFields: true },
    { keys: 'Enter', action: 'pick', help: '选择事项', inFields: true },
  ],
  /** The workbench home's lists (常办, 收藏, 最近, 按部门): keys of the focused entry. */
  homeList: [
    { keys: 'ArrowDown', action: 'next', help: '下一项' },
    { keys: 'ArrowUp', action: 'previous', help: '上一项' },
    { keys: 'ArrowRight', action: 'right', help: '下一栏 / 进入部门' },
    { keys: 'ArrowLeft', action: 'left', help: '上一栏' },
    { keys: 'Enter', action: 'pick', help: '选择' },
    { keys: '*', action: 'star', help: '收藏 / 取消收藏' },
  ],
  /** The notice preview (Shift+F8), open over the intake page. */
  preview: [
    { keys: 'Escape', action: 'close', help: '关闭预览', inFields: true },
    { keys: 'Shift+F8', action: 'close', help: '关闭预览' },
    { keys: 'F8', action: 'print', help: '打印通知书' },
  ],
  /** The lock screen (A5): nothing else while the key is out. */
  lock: [{ keys: 'Enter', action: 'unlock', help: '解锁', inFields: true }],
  /** The key list (F1). */
  help: [
    { keys: 'Escape', action: 'close', help: '关闭', inFields: true },
    { keys: 'F1', action: 'close', help: '关闭' },
  ],
  /** The question before a half-done case is dropped (E7). */
  guard: [
    { keys: 'F4', action: 'park', help: '暂存本件' },
    { keys: 'Delete', action: 'discard', help: '放弃本件' },
    { keys: 'Escape', action: 'cancel', help: '取消，继续办理', inFields: true },
  ],
  /** The document camera panel, open over the intake page. */
  camera: [
    { keys: ' ', action: 'capture', help: '拍摄' },
    { keys: 'Enter', action: 'attach', help: '完成并附加' },
    { keys: 'Escape', action: 'close', help: '关闭' },
  ],
} as const satisfies Record<string, readonly Binding[]>

export type Scope = keyof typeof keymap

/** Headings of the key list (F1), in its order: what is open over the page first. */
export const scopeTitles: Record<Scope, string> = {
  lock: '锁定',
  help: '快捷键一览',
  guard: '未保存的办件',
  camera: '高拍仪',
  preview: '通知书预览',
  intake: '收件受理',
  issuing: '出件',
  desk: '窗口服务',
  queue: '排队叫号',
  itemSearch: '事项搜索框',
  homeList: '常办、收藏、最近与按部门',
  workbench: '受理工作台',
  app: '全局',
}

/** A key as the key list shows it. */
export function keyLabel(keys: string): string {
  const names: Record<string, string> = { ' ': '空格', '1-9': '数字键 1–9', Escape: 'Esc', ArrowDown: '↓', ArrowUp: '↑', ArrowLeft: '←', ArrowRight: '→' }
  return names[keys] ?? keys
}
export type Action<S extends Scope> = (typeof keymap)[S][number]['action']
/** A handler returns `false` when it did not act (the key then goes on as if unbound). */
export type Handlers<S extends Scope> = Partial<Record<Action<S>, (e: KeyboardEvent) => boolean | void>>

/** The chord of a keydown: modifiers then the key, e.g. "Alt+2", "F8", "Shift+F8" ("!" not "Shift+1"). */
export function chord(e: KeyboardEvent): string {
  let key = e.key
  // Alt+digit types another character on some layouts; the physical key decides.
  const digit = /^Digit(\d)$/.exec(e.code ?? '')
  if ((e.altKey || e.ctrlKey || e.metaKey) && digit) key = digit[1]
  const mods = (e.ctrlKey ? 'Ctrl+' : '') + (e.altKey ? 'Alt+' : '') + (e.metaKey ? 'Meta+' : '')
  // Shift is part of the character for printable keys ('!' is Shift+1).
  const shift = e.shiftKey && key.length > 1 ? 'Shift+' : ''
  return mods + shift + key
}

function matches(b: Binding, c: string): boolean {
  return b.keys === '1-9' ? /^[1-9]$/.test(c) : b.keys === c
}

/** F-keys and chords with Ctrl, Alt or Meta. */
export function isGlobal(c: string): boolean {
  return /^(Ctrl|Alt|Meta)\+/.test(c) || /^(Shift\+)?F\d{1,2}$/.test(c)
}

/** Ctrl (or Meta) with a text field's own editing keys: select all, copy, cut, paste, undo,
 * redo, word-wise delete and moves. Nothing else (no Ctrl+R, Ctrl+P) gets through a modal. */
export function isEditingChord(c: string): boolean {
  return /^(Ctrl|Meta)\+(Shift\+)?([aAcCvVxXzZyY]|Backspace|Delete|ArrowLeft|ArrowRight|Home|End)$/.test(c)
}

export function isFormControl(t: EventTarget | null): boolean {
  return (
    t instanceof HTMLInputElement ||
    t instanceof HTMLTextAreaElement ||
    t instanceof HTMLSelectElement ||
    (t instanceof HTMLElement && t.isContentEditable)
  )
}

/** Runs the first handler of `scope` bound to the key; true when one acted. */
function run<S extends Scope>(scope: S, handlers: Handlers<S>, e: KeyboardEvent, c: string): boolean {
  const inField = isFormControl(e.composedPath?.()[0] ?? e.target)
  for (const b of keymap[scope] as readonly Binding[]) {
    if (!matches(b, c)) continue
    if (!isGlobal(c) && inField && !b.inFields) continue
    const h = handlers[b.action as Action<S>]
    if (h && h(e) !== false) return true
  }
  return false
}

export interface ModalOptions {
  /** The scope's keys act only while this returns true. */
  when?: () => boolean
  /** Keys of scopes registered earlier never act while this one is registered. */
  modal?: boolean
  /** With `modal`: the element keys may reach; a key aimed anywhere else is swallowed. */
  root?: () => HTMLElement | null | undefined
}

interface Registration extends ModalOptions {
  scope: Scope
  handlers: Handlers<Scope>
}

const active: Registration[] = []
/** Scopes of fields' own keys (`useFieldKeys`), listed while their field is mounted and the
 * page scope that owns it is live. */
const fieldScopes: { scope: Scope; owner: Scope }[] = []

const live = (r: Registration) => !r.when || r.when()

/** True when the topmost modal scope has a root and the key is aimed outside it. */
function outsideModal(e: KeyboardEvent): boolean {
  const top = [...active].reverse().find((r) => r.modal && live(r))
  const root = top?.root?.()
  if (!top || !root) return false
  const t = e.composedPath?.()[0] ?? e.target
  return !(t instanceof Node && root.contains(t))
}

/** Offers the key to the scopes, topmost first: 'acted', or 'blocked' by a modal scope that
 * does not bind it, or 'none'. */
function deliver(e: KeyboardEvent, c: string): 'acted' | 'blocked' | 'none' {
  for (let i = active.length - 1; i >= 0; i--) {
    if (!live(active[i])) continue
    if (run(active[i].scope, active[i].handlers, e, c)) return 'acted'
    if (active[i].modal) return 'blocked'
  }
  return 'none'
}

function onCapture(ev: Event) {
  const e = ev as KeyboardEvent
  const c = chord(e)
  if (outsideModal(e)) {
    // Aimed behind the modal: nothing there sees it; the modal's own keys still act.
    e.preventDefault()
    e.stopPropagation()
    deliver(e, c)
    return
  }
  if (!isGlobal(c) || e.defaultPrevented) return
  // A global key a modal does not bind does nothing at all (no F9 under the lock), except a
  // field's own editing chords (Ctrl+A, Ctrl+V…) inside the modal: the PIN box stays editable.
  const r = deliver(e, c)
  if (r === 'blocked' && isEditingChord(c) && isFormControl(e.composedPath?.()[0] ?? e.target)) return
  if (r !== 'none') {
    e.preventDefault()
    e.stopPropagation()
  }
}

function onBubble(ev: Event) {
  const e = ev as KeyboardEvent
  const c = chord(e)
  if (isGlobal(c) || e.defaultPrevented) return
  if (deliver(e, c) === 'acted') e.preventDefault()
}

/** The scopes whose keys act now, down to the first modal one, with the scopes of mounted
 * fields' own keys; in the key list's order (`scopeTitles`). */
export function activeScopes(): Scope[] {
  const out: Scope[] = []
  for (let i = active.length - 1; i >= 0; i--) {
    if (!live(active[i])) continue
    if (!out.includes(active[i].scope)) out.push(active[i].scope)
    if (active[i].modal) return out
  }
  for (const f of fieldScopes) if (out.includes(f.owner) && !out.includes(f.scope)) out.push(f.scope)
  const order = Object.keys(scopeTitles)
  return out.sort((a, b) => order.indexOf(a) - order.indexOf(b))
}

/** Makes `scope`'s keys act on the window until `release` is called. */
export function bindKeys<S extends Scope>(scope: S, handlers: Handlers<S>, options: ModalOptions = {}): () => void {
  const r: Registration = { scope, handlers: handlers as Handlers<Scope>, ...options }
  if (!active.length) {
    window.addEventListener('keydown', onCapture, true)
    window.addEventListener('keydown', onBubble)
  }
  active.push(r)
  return () => {
    const i = active.indexOf(r)
    if (i >= 0) active.splice(i, 1)
    if (!active.length) {
      window.removeEventListener('keydown', onCapture, true)
      window.removeEventListener('keydown', onBubble)
    }
  }
}

/** `bindKeys` for the lifetime of the calling component. A modal scope with a root also keeps
 * the focus inside its root (Tab past the last control, a focus() from behind): the focus goes
 * back to the root's first control. */
export function useKeymap<S extends Scope>(
  scope: S,
  handlers: Handlers<S>,
  options: { modal?: boolean; root?: Ref<HTMLElement | null>; when?: () => boolean } = {},
) {
  let release: (() => void) | null = null
  const { root, modal, when } = options
  const trap = (e: FocusEvent) => {
    const r = root?.value
    if (!r || (e.target instanceof Node && r.contains(e.target))) return
    // Only the topmost modal traps (the lock over an open dialog).
    const top = [...active].reverse().find((x) => x.modal && live(x))
    if (top?.root?.() !== r) return
    r.querySelector<HTMLElement>('input:not([disabled]), button:not([disabled]), [tabindex]:not([tabindex="-1"])')?.focus()
  }
  onMounted(() => {
    release = bindKeys(scope, handlers, { modal, when, root: root && (() => root.value) })
    if (modal && root) document.addEventListener('focusin', trap)
  })
  onUnmounted(() => {
    release?.()
    document.removeEventListener('focusin', trap)
  })
}

/** `keyHandler` for the lifetime of the calling component, its keys listed by F1 meanwhile
 * with those of the page scope `owner`. */
export function useFieldKeys<S extends Scope>(scope: S, owner: Scope, handlers: Handlers<S>): (e: KeyboardEvent) => void {
  const entry = { scope, owner }
  onMounted(() => fieldScopes.push(entry))
  onUnmounted(() => {
    const i = fieldScopes.indexOf(entry)
    if (i >= 0) fieldScopes.splice(i, 1)
  })
  return keyHandler(scope, handlers)
}

/** A `@keydown` handler for keys of one element (a field's own keys, e.g. the item search). */
export function keyHandler<S extends Scope>(scope: S, handlers: Handlers<S>): (e: KeyboardEvent) => void {
  return (e) => {
    if (run(scope, handlers, e, chord(e))) e.preventDefault()
  }
}
