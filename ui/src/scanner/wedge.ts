// Keyboard-wedge scanner detection.
//
// A scanner in USB-HID keyboard mode "types" its payload: one keydown per character, a few
// milliseconds apart (≤ ~30 ms), then Enter. A person types much slower (≥ ~60 ms between keys
// even at speed). WedgeDetector listens to keydown on `window` in the capture phase (so it runs
// before any handler on the page), recognises such bursts, and reports each scan once through
// `scanned(text)` — without a single character of the scan reaching the focused text field.
//
// Design — "hold back, then decide":
// - The first printable key of a burst cannot be classified (there is no gap to measure yet).
//   If it is aimed at a text field it is held back: preventDefault + stopPropagation, and kept.
// - Every further printable key that follows within `maxGapMs` of the previous one is held
//   back the same way: the timing so far says "scanner".
// - The burst ends in one of two ways:
//   * an end key (Enter by default) within `maxGapMs`, with at least `minLength` characters
//     held: a scan. The Enter is suppressed too, `scanned(text)` is called, nothing is
//     re-inserted — the field never saw the scan;
//   * anything else — the gap timer runs out, a slow key, a non-printable key (Backspace,
//     arrows…), a shortcut (Ctrl/Meta/Alt), an IME key, an end key after too few characters:
//     human typing. The held characters are re-inserted into the field they were aimed at, in
//     order, at the caret, with an `input` event (so v-model sees them), before the key that
//     ended the burst takes effect (that key itself is let through).
// - The cost for a person: each keystroke reaches the field `maxGapMs` later, via the
//   re-insertion. Key repeat, shortcuts and IME composition are never held.
// - Keys aimed at something that is not a text field (a button, the page) cannot leak a scan
//   into a field, so the first key of a burst is let through there (a button must still get
//   its Space); later keys of a fast burst are held and, for human typing, re-dispatched to
//   their target as synthetic keydowns (page handlers see them; no native default action).
// - The keyup of every suppressed keydown is suppressed too, so `@keyup.enter` handlers do
//   not fire on a scan's Enter.
// - Modifier keys (Shift, which scanners send for capitals, CapsLock…) are ignored: they
//   neither break a burst nor are held.
//
// Time is injected (`now`, `schedule`) so tests are deterministic.
//
// Limits: a scanner set to "Alt + keypad" emulation (for Chinese text) is seen as shortcuts
// and passes through; with an IME active the keys go to the IME. For Chinese payloads use the
// scanner's serial (USB-CDC) mode, handled by the Rust driver. A gap longer than `maxGapMs`
// inside a scan (a stalled scanner) splits it and the first part is typed into the field.

export interface WedgeOptions {
  /** Called once per scan with its text (end key not included). */
  scanned: (text: string) => void
  /** Milliseconds on a monotonic clock. Default: `performance.now()`. */
  now?: () => number
  /** Runs `fn` after `ms`; returns a function that cancels it. Default: `setTimeout`. */
  schedule?: (fn: () => void, ms: number) => () => void
  /** Longest gap between keys of one scan, end key included. Default 30. */
  maxGapMs?: number
  /** Fewest characters for a scan (at least 1). Default 4. */
  minLength?: number
  /** `KeyboardEvent.key` values that end a scan. Default `['Enter']` (add `'Tab'` if the
   * scanner's suffix is Tab). */
  endKeys?: readonly string[]
}

interface HeldKey {
  char: string
  target: EventTarget | null
  /** Whether this key was kept from its target (and so must be given back for typing). */
  held: boolean
  init: KeyboardEventInit
}

const MODIFIER_KEYS = new Set([
  'Shift',
  'Control',
  'Alt',
  'AltGraph',
  'Meta',
  'CapsLock',
  'NumLock',
  'ScrollLock',
  'Fn',
  'FnLock',
  'Hyper',
  'Super',
  'OS',
  'Symbol',
  'SymbolLock',
])

const TEXT_INPUT_TYPES = new Set([
  '',
  'text',
  'search',
  'url',
  'tel',
  'email',
  'password',
  'number',
])

/** How long a suppressed keydown waits for its keyup before we stop looking for it. */
const KEYUP_WINDOW_MS = 2000

type TextControl = HTMLInputElement | HTMLTextAreaElement

function asElement(target: EventTarget | null): HTMLElement | null {
  const el = target as HTMLElement | null
  return el && typeof el.tagName === 'string' ? el : null
}

function textControl(target: EventTarget | null): TextControl | null {
  const el = asElement(target)
  if (!el) return null
  if (el.tagName === 'TEXTAREA') {
    const ta = el as HTMLTextAreaElement
    return ta.readOnly || ta.disabled ? null : ta
  }
  if (el.tagName === 'INPUT') {
    const input = el as HTMLInputElement
    const type = (input.getAttribute('type') ?? '').toLowerCase()
    return TEXT_INPUT_TYPES.has(type) && !input.readOnly && !input.disabled ? input : null
  }
  return null
}

function isContentEditable(target: EventTarget | null): boolean {
  const el = asElement(target)
  if (!el) return false
  if (el.isContentEditable) return true
  const attr = el.closest('[contenteditable]')?.getAttribute('contenteditable')
  return attr === '' || attr === 'true' || attr === 'plaintext-only'
}

/** Whether a key aimed at `target` would type into a text field. */
export function isTextField(target: EventTarget | null): boolean {
  return textControl(target) !== null || isContentEditable(target)
}

function isPrintable(e: KeyboardEvent): boolean {
  return typeof e.key === 'string' && [...e.key].length === 1
}

function isShortcut(e: KeyboardEvent): boolean {
  const altGraph = typeof e.getModifierState === 'function' && e.getModifierState('AltGraph')
  return e.ctrlKey || e.metaKey || (e.altKey && !altGraph)
}

function isImeKey(e: KeyboardEvent): boolean {
  return e.isComposing || e.key === 'Process' || e.keyCode === 229
}

function keyId(e: KeyboardEvent): string {
  return e.code || e.key
}

/** Inserts `text` at the caret of a text field, as typing would, with an `input` event. */
function insertText(target: EventTarget, text: string): void {
  const el = asElement(target)
  if (!el || text === '') return
  const doc = el.ownerDocument
  // The native path keeps undo history and maxlength; it only acts on the focused element.
  if (doc.activeElement === el && typeof doc.execCommand === 'function') {
    try {
      if (doc.execCommand('insertText', false, text)) return
    } catch {
      // Not supported here: fall back below.
    }
  }
  const control = textControl(el)
  if (control) {
    let start: number | null = null
    let end: number | null = null
    try {
      start = control.selectionStart
      end = control.selectionEnd
    } catch {
      // Selection is not available on some input types (e.g. number in some engines).
    }
    const len = control.value.length
    const from = start ?? len
    const to = end ?? from
    let insert = text
    if (control.maxLength >= 0) {
      const room = control.maxLength - (len - (to - from))
      insert = [...text].slice(0, Math.max(0, room)).join('')
    }
    try {
      control.setRangeText(insert, from, to, 'end')
    } catch {
      control.value = control.value + insert
    }
    control.dispatchEvent(
      new InputEvent('input', { bubbles: true, data: insert, inputType: 'insertText' }),
    )
    return
  }
  if (isContentEditable(el)) {
    const sel = doc.getSelection()
    const range = sel && sel.rangeCount > 0 ? sel.getRangeAt(0) : null
    const node = doc.createTextNode(text)
    if (range && el.contains(range.startContainer)) {
      range.deleteContents()
      range.insertNode(node)
      range.setStartAfter(node)
      range.collapse(true)
    } else {
      el.appendChild(node)
    }
    el.dispatchEvent(
      new InputEvent('input', { bubbles: true, data: text, inputType: 'insertText' }),
    )
  }
}

export class WedgeDetector {
  private readonly scanned: (text: string) => void
  private readonly now: () => number
  private readonly schedule: (fn: () => void, ms: number) => () => void
  private readonly maxGapMs: number
  private readonly minLength: number
  private readonly endKeys: readonly string[]

  private burst: HeldKey[] = []
  private lastAt = 0
  private cancelTimer: (() => void) | null = null
  /** Suppressed keydowns whose keyup is still to be suppressed: key id → expiry times. */
  private readonly awaitingKeyup = new Map<string, number[]>()
  /** Events this detector dispatched itself (re-dispatched keys); never handled again. */
  private readonly own = new WeakSet<Event>()
  private attachedTo: EventTarget | null = null

  constructor(options: WedgeOptions) {
    this.scanned = options.scanned
    this.now = options.now ?? (() => performance.now())
    this.schedule =
      options.schedule ??
      ((fn, ms) => {
        const id = setTimeout(fn, ms)
        return () => clearTimeout(id)
      })
    this.maxGapMs = options.maxGapMs ?? 30
    // At least one character: an Enter on its own is never a scan.
    this.minLength = Math.max(1, options.minLength ?? 4)
    this.endKeys = options.endKeys ?? ['Enter']
  }

  /** Starts listening (keydown / keyup, capture phase) on `target`, normally `window`. */
  attach(target: EventTarget = window): void {
    this.detach()
    target.addEventListener('keydown', this.onKeyDown, true)
    target.addEventListener('keyup', this.onKeyUp, true)
    this.attachedTo = target
  }

  /** Stops listening; a burst in progress is given back as typing. */
  detach(): void {
    this.flush()
    if (this.attachedTo) {
      this.attachedTo.removeEventListener('keydown', this.onKeyDown, true)
      this.attachedTo.removeEventListener('keyup', this.onKeyUp, true)
      this.attachedTo = null
    }
    this.awaitingKeyup.clear()
  }

  /** Characters held back right now (an undecided burst). */
  get holding(): number {
    return this.burst.length
  }

  /** Ends the burst in progress as human typing (held characters go to their field). */
  flush(): void {
    this.stopTimer()
    const burst = this.burst
    this.burst = []
    // The held keys' keyups belong to typing now: let them through.
    for (const k of burst) {
      if (k.held) this.forgetKeyup(k.init.code || k.init.key || '')
    }
    let i = 0
    while (i < burst.length) {
      const k = burst[i]
      if (!k.held || !k.target) {
        i++
        continue
      }
      if (isTextField(k.target)) {
        // Consecutive characters for the same field go in as one insertion.
        let text = ''
        let j = i
        while (j < burst.length && burst[j].held && burst[j].target === k.target) {
          text += burst[j].char
          j++
        }
        insertText(k.target, text)
        i = j
      } else {
        const ev = new KeyboardEvent('keydown', {
          ...k.init,
          bubbles: true,
          cancelable: true,
          composed: true,
        })
        this.own.add(ev)
        k.target.dispatchEvent(ev)
        i++
      }
    }
  }

  /** The keydown handler (public for callers that route events themselves). */
  readonly onKeyDown = (ev: Event): void => {
    const e = ev as KeyboardEvent
    if (this.own.has(e)) return
    const t = this.now()
    // A key after the gap: whatever was held was typing (the timer may not have run yet).
    if (this.burst.length > 0 && t - this.lastAt > this.maxGapMs) this.flush()
    if (MODIFIER_KEYS.has(e.key)) return
    if (isImeKey(e) || e.repeat || isShortcut(e)) {
      this.flush()
      return
    }
    if (this.endKeys.includes(e.key)) {
      if (this.burst.length >= this.minLength) {
        const text = this.burst.map((k) => k.char).join('')
        this.stopTimer()
        this.burst = []
        this.suppress(e, t)
        this.scanned(text)
      } else {
        this.flush()
      }
      return
    }
    if (!isPrintable(e)) {
      this.flush()
      return
    }
    const target = e.composedPath?.()[0] ?? e.target
    const held = this.burst.length > 0 || isTextField(target)
    if (held) this.suppress(e, t)
    this.burst.push({
      char: e.key,
      target,
      held,
      init: {
        key: e.key,
        code: e.code,
        shiftKey: e.shiftKey,
        altKey: e.altKey,
        location: e.location,
      },
    })
    this.lastAt = t
    this.startTimer(this.maxGapMs + 1)
  }

  /** The keyup handler: swallows the keyup of every suppressed keydown. */
  readonly onKeyUp = (ev: Event): void => {
    const e = ev as KeyboardEvent
    if (this.own.has(e)) return
    const id = keyId(e)
    const pending = this.awaitingKeyup.get(id)
    if (!pending) return
    const t = this.now()
    while (pending.length > 0 && pending[0] < t) pending.shift()
    if (pending.length === 0) {
      this.awaitingKeyup.delete(id)
      return
    }
    pending.shift()
    if (pending.length === 0) this.awaitingKeyup.delete(id)
    e.preventDefault()
    e.stopImmediatePropagation()
    e.stopPropagation()
  }

  private suppress(e: KeyboardEvent, t: number): void {
    e.preventDefault()
    e.stopImmediatePropagation()
    e.stopPropagation()
    const id = keyId(e)
    const list = this.awaitingKeyup.get(id) ?? []
    list.push(t + KEYUP_WINDOW_MS)
    this.awaitingKeyup.set(id, list)
  }

  private forgetKeyup(id: string): void {
    const list = this.awaitingKeyup.get(id)
    if (!list) return
    list.pop()
    if (list.length === 0) this.awaitingKeyup.delete(id)
  }

  private startTimer(ms: number): void {
    this.stopTimer()
    this.cancelTimer = this.schedule(() => {
      this.cancelTimer = null
      if (this.burst.length === 0) return
      const quiet = this.now() - this.lastAt
      if (quiet > this.maxGapMs) this.flush()
      else this.startTimer(this.maxGapMs + 1 - quiet)
    }, ms)
  }

  private stopTimer(): void {
    this.cancelTimer?.()
    this.cancelTimer = null
  }
}
