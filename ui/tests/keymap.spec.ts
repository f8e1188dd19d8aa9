import { afterEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia } from 'pinia'
import ElementPlus from 'element-plus'
import ClerkWorkbench from '../src/clerk/ClerkWorkbench.vue'
import IntakePage from '../src/intake/IntakePage.vue'
import { installBackend } from '../src/backend'
import { MemoryBackend, sampleStatus } from '../src/backend/memory'
import { bindKeys, chord, keymap } from '../src/keymap'

const mounted: VueWrapper[] = []
afterEach(() => {
  while (mounted.length) mounted.pop()!.unmount()
})

function key(k: string, init: KeyboardEventInit = {}, target: EventTarget = window) {
  target.dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true, cancelable: true, ...init }))
  return flushPromises()
}

async function workbench(backend: MemoryBackend) {
  const status = sampleStatus({
    clerk: { id: 'c1', name: '张敏', department: '户政科', post: '综合窗口', permissions: ['accept', 'query', 'export', 'reprint', 'change'], items: { kind: 'all' }, mode: 'online', ukey_default_pin: false },
  })
  const w = mount(ClerkWorkbench, {
    props: { status },
    attachTo: document.body,
    global: { plugins: [createPinia(), ElementPlus, { install: (app) => installBackend(app, backend) }] },
  })
  mounted.push(w)
  await flushPromises()
  return w
}

/** Opens 户籍证明 by its initials; its first question is then open. */
async function openItem(w: VueWrapper) {
  const search = w.find('[data-testid="item-search"]')
  await search.setValue('hjzm')
  await flushPromises()
  await search.trigger('keydown', { key: 'Enter' })
  await flushPromises()
  expect(w.findAll('[data-testid="situation-option"]')).toHaveLength(2)
}

describe('keymap', () => {
  it('names chords with their modifiers, digits by the physical key', () => {
    expect(chord(new KeyboardEvent('keydown', { key: '2', altKey: true }))).toBe('Alt+2')
    expect(chord(new KeyboardEvent('keydown', { key: '™', code: 'Digit2', altKey: true }))).toBe('Alt+2')
    expect(chord(new KeyboardEvent('keydown', { key: 'F8' }))).toBe('F8')
    expect(chord(new KeyboardEvent('keydown', { key: 'F8', shiftKey: true }))).toBe('Shift+F8')
    expect(chord(new KeyboardEvent('keydown', { key: '!', shiftKey: true }))).toBe('!')
  })

  it('lists every key once per scope', () => {
    for (const [scope, bindings] of Object.entries(keymap)) {
      const keys = bindings.map((b) => b.keys)
      expect(new Set(keys).size, scope).toBe(keys.length)
    }
  })

  it('asks the scope registered last first, and goes on when its handler declines', async () => {
    const app = vi.fn()
    let declines = true
    const close = vi.fn(() => (declines ? false : undefined))
    const releaseApp = bindKeys('app', { back: app })
    const releaseCamera = bindKeys('camera', { close })
    await key('Escape')
    expect(close).toHaveBeenCalledTimes(1)
    expect(app).toHaveBeenCalledTimes(1)
    declines = false
    await key('Escape')
    expect(app).toHaveBeenCalledTimes(1)
    releaseCamera()
    releaseApp()
    await key('Escape')
    expect(app).toHaveBeenCalledTimes(1)
  })

  it('Alt+2 with a question open switches to 暂存件 and does not answer the question', async () => {
    const backend = new MemoryBackend()
    const w = await workbench(backend)
    await openItem(w)
    const refresh = vi.spyOn(backend.intake, 'refresh')
    await key('2', { altKey: true, code: 'Digit2' })
    expect(w.find('[data-testid="drafts-page"]').exists()).toBe(true)
    expect(refresh).not.toHaveBeenCalled()
    expect(w.findAll('[data-testid="situation-option"]')).toHaveLength(2)
    expect(w.findAll('[data-testid="material-row"]')).toHaveLength(0)
    // A plain 2 still answers it.
    await key('1', { altKey: true })
    expect(w.find('[data-testid="drafts-page"]').exists()).toBe(false)
    await key('2')
    expect(refresh).toHaveBeenCalledTimes(1)
    expect(w.findAll('[data-testid="material-row"]')).toHaveLength(3)
  })

  it('a digit typed into a field is text, not an answer', async () => {
    const backend = new MemoryBackend()
    const w = await workbench(backend)
    await openItem(w)
    const refresh = vi.spyOn(backend.intake, 'refresh')
    await key('1', {}, w.find('[data-testid="applicant-phone"]').element)
    expect(refresh).not.toHaveBeenCalled()
    expect(w.findAll('[data-testid="situation-option"]')).toHaveLength(2)
  })

  it('F-keys reach their action from inside a field and never reach the field itself', async () => {
    const backend = new MemoryBackend()
    const w = mount(IntakePage, {
      props: { resume: null },
      attachTo: document.body,
      global: { plugins: [createPinia(), ElementPlus, { install: (app) => installBackend(app, backend) }] },
    })
    mounted.push(w)
    await flushPromises()
    await openItem(w)
    await key('1')
    const phone = w.find('[data-testid="applicant-phone"]').element as HTMLInputElement
    const seen = vi.fn()
    phone.addEventListener('keydown', seen)
    phone.focus()
    await key('F7', {}, phone)
    expect(w.findAll('[data-testid="material-row"]').map((r) => r.attributes('data-received'))).toEqual(['paper', 'paper'])
    expect(seen).not.toHaveBeenCalled()
    // F2 from the phone field goes back to the search.
    await key('F2', {}, phone)
    expect(document.activeElement).toBe(w.find('[data-testid="item-search"]').element)
  })

  it('a modal swallows F-keys it does not bind but leaves a field inside it its editing chords', async () => {
    const root = document.createElement('div')
    const pin = document.createElement('input')
    root.appendChild(pin)
    document.body.appendChild(root)
    const unlock = vi.fn()
    const release = bindKeys('lock', { unlock }, { modal: true, root: () => root })
    try {
      const f9 = new KeyboardEvent('keydown', { key: 'F9', bubbles: true, cancelable: true })
      pin.dispatchEvent(f9)
      expect(f9.defaultPrevented).toBe(true)
      const selectAll = new KeyboardEvent('keydown', { key: 'a', ctrlKey: true, bubbles: true, cancelable: true })
      pin.dispatchEvent(selectAll)
      expect(selectAll.defaultPrevented).toBe(false)
      // Not every Ctrl chord: a reload stays swallowed, even from the field.
      const reload = new KeyboardEvent('keydown', { key: 'r', ctrlKey: true, bubbles: true, cancelable: true })
      pin.dispatchEvent(reload)
      expect(reload.defaultPrevented).toBe(true)
      // Aimed behind the modal, the same chord goes nowhere.
      const behind = new KeyboardEvent('keydown', { key: 'a', ctrlKey: true, bubbles: true, cancelable: true })
      document.body.dispatchEvent(behind)
      expect(behind.defaultPrevented).toBe(true)
    } finally {
      release()
      root.remove()
    }
  })
})
