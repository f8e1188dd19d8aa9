import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { WedgeDetector, isTextField, type WedgeOptions } from '../src/scanner/wedge'

/** A manual clock: `advance` moves time and runs the timers that fall due, in order. */
class FakeClock {
  t = 10_000
  private timers: { at: number; fn: () => void; id: number }[] = []
  private nextId = 1
  now = (): number => this.t
  schedule = (fn: () => void, ms: number): (() => void) => {
    const id = this.nextId++
    this.timers.push({ at: this.t + ms, fn, id })
    return () => {
      this.timers = this.timers.filter((x) => x.id !== id)
    }
  }
  advance(ms: number): void {
    const end = this.t + ms
    for (;;) {
      const due = this.timers.filter((x) => x.at <= end).sort((a, b) => a.at - b.at)[0]
      if (!due) break
      this.timers = this.timers.filter((x) => x.id !== due.id)
      this.t = due.at
      due.fn()
    }
    this.t = end
  }
  get pending(): number {
    return this.timers.length
  }
}

interface KeyOpts {
  code?: string
  shiftKey?: boolean
  ctrlKey?: boolean
  altKey?: boolean
  metaKey?: boolean
  repeat?: boolean
  isComposing?: boolean
}

function codeFor(key: string): string {
  if (key === 'Enter' || key === 'Shift' || key === 'Backspace' || key === 'Tab') {
    return key === 'Shift' ? 'ShiftLeft' : key
  }
  if (/^[a-z]$/i.test(key)) return `Key${key.toUpperCase()}`
  if (/^[0-9]$/.test(key)) return `Digit${key}`
  return ''
}

/**
 * Presses a key on the focused element the way a browser would: keydown, then — unless
 * cancelled — the default action (a printable key types into a text field), then keyup.
 */
function press(key: string, opts: KeyOpts = {}): KeyboardEvent {
  const target = (document.activeElement as HTMLElement | null) ?? document.body
  const init = { key, code: opts.code ?? codeFor(key), bubbles: true, cancelable: true, ...opts }
  const down = new KeyboardEvent('keydown', init)
  target.dispatchEvent(down)
  const printable = [...key].length === 1 && !opts.ctrlKey && !opts.metaKey && !opts.altKey
  if (!down.defaultPrevented && printable && target instanceof HTMLInputElement) {
    const start = target.selectionStart ?? target.value.length
    const end = target.selectionEnd ?? start
    target.setRangeText(key, start, end, 'end')
    target.dispatchEvent(
      new InputEvent('input', { bubbles: true, data: key, inputType: 'insertText' }),
    )
  }
  target.dispatchEvent(new KeyboardEvent('keyup', init))
  return down
}

interface Rig {
  clock: FakeClock
  detector: WedgeDetector
  scans: string[]
  input: HTMLInputElement
  /** keydown / keyup / input events that reached the field's own listeners. */
  seen: string[]
}

let rig: Rig

function setup(extra: Partial<WedgeOptions> = {}): Rig {
  document.body.innerHTML = '<input id="field" type="text" /><button id="btn">确定</button>'
  const input = document.getElementById('field') as HTMLInputElement
  const seen: string[] = []
  input.addEventListener('keydown', (e) => seen.push(`down:${e.key}`))
  input.addEventListener('keyup', (e) => seen.push(`up:${e.key}`))
  input.addEventListener('input', () => seen.push(`input:${input.value}`))
  input.focus()
  const clock = new FakeClock()
  const scans: string[] = []
  const detector = new WedgeDetector({
    scanned: (text) => scans.push(text),
    now: clock.now,
    schedule: clock.schedule,
    ...extra,
  })
  detector.attach(window)
  return { clock, detector, scans, input, seen }
}

/** Types `text` one key every `gapMs`, then waits `gapMs` once more. */
function typeText(text: string, gapMs: number, opts: (ch: string) => KeyOpts = () => ({})): void {
  for (const ch of text) {
    press(ch, opts(ch))
    rig.clock.advance(gapMs)
  }
}

/** A scanner: every character `gapMs` apart, then Enter. */
function scan(text: string, gapMs = 8): void {
  for (const ch of text) {
    press(ch)
    rig.clock.advance(gapMs)
  }
  press('Enter')
}

beforeEach(() => {
  rig = setup()
})

afterEach(() => {
  rig.detector.detach()
})

describe('WedgeDetector', () => {
  it('turns a fast burst + Enter into one scan that never reaches the focused input', () => {
    rig.input.value = '已有内容'
    rig.input.setSelectionRange(2, 2)
    scan('BJ-DC-20250601-000123')
    expect(rig.scans).toEqual(['BJ-DC-20250601-000123'])
    expect(rig.input.value).toBe('已有内容')
    expect(rig.input.selectionStart).toBe(2)
    // Not one keydown, keyup (including the Enter's, for @keyup.enter) or input event.
    expect(rig.seen).toEqual([])
    rig.clock.advance(1000)
    expect(rig.input.value).toBe('已有内容')
    expect(rig.scans).toHaveLength(1)
    expect(rig.detector.holding).toBe(0)
  })

  it('prevents every key of the burst from the first one onward', () => {
    const events: KeyboardEvent[] = []
    for (const ch of 'A123') {
      events.push(press(ch))
      rig.clock.advance(5)
    }
    events.push(press('Enter'))
    expect(events.every((e) => e.defaultPrevented)).toBe(true)
    expect(rig.scans).toEqual(['A123'])
  })

  it('lets slow human typing land in the input, with no scan', () => {
    typeText('hello', 120)
    expect(rig.input.value).toBe('hello')
    expect(rig.scans).toEqual([])
    // v-model listens to input events: one per character.
    expect(rig.seen.filter((s) => s.startsWith('input:'))).toEqual([
      'input:h',
      'input:he',
      'input:hel',
      'input:hell',
      'input:hello',
    ])
    // A human Enter goes through to the field's handlers.
    press('Enter')
    expect(rig.seen).toContain('down:Enter')
    expect(rig.seen).toContain('up:Enter')
    expect(rig.scans).toEqual([])
  })

  it('treats a fast burst without Enter as typing once the gap runs out', () => {
    typeText('12345', 6)
    rig.clock.advance(100)
    expect(rig.input.value).toBe('12345')
    expect(rig.scans).toEqual([])
    expect(rig.detector.holding).toBe(0)
    // A later real scan is still recognised and leaves the field alone.
    scan('6901234567892')
    expect(rig.scans).toEqual(['6901234567892'])
    expect(rig.input.value).toBe('12345')
  })

  it('gives held keys back in order when a slow key arrives before the timer ran', () => {
    press('a')
    rig.clock.t += 10
    press('b')
    // The event loop was busy: the timer has not run, but 200 ms passed.
    rig.clock.t += 200
    press('c')
    rig.clock.advance(100)
    expect(rig.input.value).toBe('abc')
    expect(rig.scans).toEqual([])
  })

  it('ignores modifier keys inside a burst (Shift for capitals)', () => {
    for (const ch of 'AbC-9x') {
      const upper = ch !== ch.toLowerCase()
      if (upper) {
        press('Shift', { shiftKey: true })
        rig.clock.advance(3)
      }
      press(ch, { shiftKey: upper })
      rig.clock.advance(6)
    }
    press('Enter')
    expect(rig.scans).toEqual(['AbC-9x'])
    expect(rig.input.value).toBe('')
  })

  it('lets modifier keys and shortcuts through untouched', () => {
    const shift = press('Shift', { shiftKey: true })
    const ctrlC = press('c', { ctrlKey: true })
    expect(shift.defaultPrevented).toBe(false)
    expect(ctrlC.defaultPrevented).toBe(false)
    expect(rig.seen).toContain('down:Shift')
    expect(rig.seen).toContain('down:c')
    expect(rig.detector.holding).toBe(0)
  })

  it('treats a short fast burst + Enter as typing: characters first, then the Enter', () => {
    const order: string[] = []
    rig.input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') order.push(`enter with "${rig.input.value}"`)
    })
    press('o')
    rig.clock.advance(10)
    press('k')
    rig.clock.advance(10)
    press('Enter')
    expect(rig.scans).toEqual([])
    expect(rig.input.value).toBe('ok')
    expect(order).toEqual(['enter with "ok"'])
  })

  it('flushes held keys before a non-printable key such as Backspace', () => {
    press('x')
    rig.clock.advance(5)
    press('y')
    rig.clock.advance(5)
    const back = press('Backspace')
    expect(back.defaultPrevented).toBe(false)
    expect(rig.input.value).toBe('xy')
  })

  it('never holds IME or repeated keys', () => {
    const ime = press('Process', { isComposing: true })
    const rep = press('a', { repeat: true })
    expect(ime.defaultPrevented).toBe(false)
    expect(rep.defaultPrevented).toBe(false)
    expect(rig.input.value).toBe('a')
  })

  it('inserts given-back characters at the caret and respects maxlength', () => {
    rig.input.value = 'ab'
    rig.input.setSelectionRange(1, 1)
    typeText('X', 100)
    expect(rig.input.value).toBe('aXb')
    rig.input.maxLength = 4
    rig.input.setSelectionRange(4, 4)
    typeText('YZ', 5)
    rig.clock.advance(100)
    expect(rig.input.value).toBe('aXbY')
  })

  it('recognises a scan while focus is on a button and keeps the Enter from clicking it', () => {
    const btn = document.getElementById('btn') as HTMLButtonElement
    btn.focus()
    const btnKeys: string[] = []
    btn.addEventListener('keydown', (e) => btnKeys.push(e.key))
    scan('QR-0001')
    expect(rig.scans).toEqual(['QR-0001'])
    // Only the unclassifiable first key reached the button (nothing to leak into there).
    expect(btnKeys).toEqual(['Q'])
  })

  it('gives held keys on a non-text target back as keydowns when it was typing', () => {
    const btn = document.getElementById('btn') as HTMLButtonElement
    btn.focus()
    const btnKeys: string[] = []
    btn.addEventListener('keydown', (e) => btnKeys.push(e.key))
    press('a')
    rig.clock.advance(5)
    press('b')
    rig.clock.advance(100)
    expect(btnKeys).toEqual(['a', 'b'])
    expect(rig.scans).toEqual([])
  })

  it('honours a Tab suffix and a custom minimum length when configured', () => {
    rig.detector.detach()
    rig = setup({ endKeys: ['Enter', 'Tab'], minLength: 6 })
    for (const ch of 'ABCDEF') {
      press(ch)
      rig.clock.advance(4)
    }
    const tab = press('Tab')
    expect(tab.defaultPrevented).toBe(true)
    expect(rig.scans).toEqual(['ABCDEF'])
    scan('ABCDE')
    expect(rig.scans).toEqual(['ABCDEF'])
    expect(rig.input.value).toBe('ABCDE')
  })

  it('never takes a lone Enter for a scan, even with minLength 0', () => {
    rig.detector.detach()
    rig = setup({ minLength: 0 })
    const enter = press('Enter')
    expect(enter.defaultPrevented).toBe(false)
    expect(rig.scans).toEqual([])
  })

  it('stops listening after detach and gives back what it held', () => {
    press('q')
    rig.detector.detach()
    expect(rig.input.value).toBe('q')
    scan('ABCD1234')
    expect(rig.scans).toEqual([])
    expect(rig.input.value).toBe('qABCD1234')
    expect(rig.clock.pending).toBe(0)
  })
})

describe('isTextField', () => {
  it('knows which elements take typed text', () => {
    document.body.innerHTML = `
      <input id="t" /><input id="n" type="number" /><input id="c" type="checkbox" />
      <input id="r" readonly /><textarea id="ta"></textarea>
      <div id="ce" contenteditable="true"></div>
      <button id="b"></button>`
    const el = (id: string) => document.getElementById(id)
    expect(isTextField(el('t'))).toBe(true)
    expect(isTextField(el('n'))).toBe(true)
    expect(isTextField(el('c'))).toBe(false)
    expect(isTextField(el('r'))).toBe(false)
    expect(isTextField(el('ta'))).toBe(true)
    expect(isTextField(el('ce'))).toBe(true)
    expect(isTextField(el('b'))).toBe(false)
    expect(isTextField(null)).toBe(false)
  })
})
