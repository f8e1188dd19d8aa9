// The lock that locks (A5) and the key list (F1), in the whole clerk window.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, type Pinia } from 'pinia'
import ElementPlus from 'element-plus'
import App from '../src/clerk/App.vue'
import { installBackend } from '../src/backend'
import { MemoryBackend, sampleStatus } from '../src/backend/memory'
import type { LoginKey } from '../src/bindings'
import { useIntakeStore } from '../src/stores/intake'

const mounted: VueWrapper[] = []
afterEach(() => {
  while (mounted.length) mounted.pop()!.unmount()
})

function key(k: string, init: KeyboardEventInit = {}, target: EventTarget = window) {
  const e = new KeyboardEvent('keydown', { key: k, bubbles: true, cancelable: true, ...init })
  target.dispatchEvent(e)
  return flushPromises().then(() => e)
}

function ukey(): LoginKey {
  return {
    id: 'SKFSIM-0001',
    label: '钱七的UKey',
    manufacturer: '测试CA',
    backend: 'skf',
    library: 'libskf.so',
    pin: { max_retries: 6, retries_left: 6, locked: false, count_low: false, default_pin: false },
    certificates: [],
  }
}

/** The clerk window with 钱七 logged in and 户籍证明 open, its question asked. */
async function counter(): Promise<{ w: VueWrapper; backend: MemoryBackend; pinia: Pinia }> {
  const backend = new MemoryBackend(
    sampleStatus({
      clerk: { id: 'c-SKFSIM-0001', name: '钱七', department: '户政科', post: '', permissions: ['accept', 'query', 'print'], items: { kind: 'all' }, mode: 'online', ukey_default_pin: false },
    }),
  )
  backend.keys = [ukey()]
  backend.pins['SKFSIM-0001'] = '12345678'
  const pinia = createPinia()
  const w = mount(App, {
    attachTo: document.body,
    global: { plugins: [pinia, ElementPlus, { install: (app) => installBackend(app, backend) }] },
  })
  mounted.push(w)
  await vi.waitFor(() => expect(w.find('[data-testid="item-search"]').exists()).toBe(true))
  await flushPromises()
  const search = w.find('[data-testid="item-search"]')
  await search.setValue('hjzm')
  await flushPromises()
  await search.trigger('keydown', { key: 'Enter' })
  await flushPromises()
  expect(w.findAll('[data-testid="situation-option"]')).toHaveLength(2)
  return { w, backend, pinia }
}

const search = (w: VueWrapper) => w.find('[data-testid="item-search"]').element as HTMLInputElement
const content = (w: VueWrapper) => w.find('[data-testid="shell-content"]').element as HTMLElement

describe('lock screen (A5)', () => {
  it('a5_lock_takes_focus_and_blocks_keys', async () => {
    const { w, backend } = await counter()
    search(w).focus()
    backend.push({ locked: true })
    await flushPromises()
    await vi.waitFor(() => expect(document.activeElement).toBe(w.find('input[data-testid="unlock-pin"]').element))

    // F9 opens no device panel under the lock, wherever it is aimed.
    await key('F9')
    await key('F9', {}, search(w))
    expect(w.find('[data-testid="device-panel"]').exists()).toBe(false)
    // Typing aimed at the search box behind never reaches it; a digit answers nothing.
    const seen = vi.fn()
    search(w).addEventListener('keydown', seen)
    const typed = await key('a', {}, search(w))
    expect(typed.defaultPrevented).toBe(true)
    expect(seen).not.toHaveBeenCalled()
    const refresh = vi.spyOn(backend.intake, 'refresh')
    await key('1')
    await key('1', {}, search(w))
    expect(refresh).not.toHaveBeenCalled()
    // Alt+2 switches no page behind the lock; F1 lists nothing over it.
    await key('2', { altKey: true, code: 'Digit2' })
    expect(w.find('[data-testid="drafts-page"]').exists()).toBe(false)
    await key('F1')
    expect(w.find('[data-testid="key-help"]').exists()).toBe(false)
    // Focus cannot be moved behind the lock.
    search(w).focus()
    expect(document.activeElement).toBe(w.find('input[data-testid="unlock-pin"]').element)
  })

  it('a5_lock_hides_the_citizens_data', async () => {
    const { w, backend } = await counter()
    await w.find('[data-testid="applicant-name"]').setValue('张伟')
    expect(content(w).style.display).toBe('')
    backend.push({ locked: true })
    await flushPromises()
    // Not dimmed: not shown at all (display: none), the lock itself opaque over it.
    expect(content(w).style.display).toBe('none')
    expect(w.find('[data-testid="lock-screen"]').exists()).toBe(true)
    // The case is kept for after the unlock.
    await w.find('input[data-testid="unlock-pin"]').setValue('12345678')
    await key('Enter', {}, w.find('input[data-testid="unlock-pin"]').element)
    await flushPromises()
    expect(w.find('[data-testid="lock-screen"]').exists()).toBe(false)
    expect(content(w).style.display).toBe('')
    expect((w.find('[data-testid="applicant-name"]').element as HTMLInputElement).value).toBe('张伟')
  })

  it('a5_unlock_leaves_no_stale_locked_message_and_gives_the_focus_back', async () => {
    const { w, backend, pinia } = await counter()
    search(w).focus()
    backend.push({ locked: true })
    await flushPromises()
    // An action refused by the workstation while locked (a request in flight at the pull).
    useIntakeStore(pinia).fail({ code: 'intake.locked', message: '工作站已锁定，请插入UKey解锁后继续。', detail: 'session locked' })
    await flushPromises()
    // A wrong PIN says so; Enter in the PIN box unlocks.
    const pin = w.find('input[data-testid="unlock-pin"]')
    await pin.setValue('00000000')
    await key('Enter', {}, pin.element)
    expect(w.find('[data-testid="unlock-error"]').text()).toContain('PIN码错误')
    await pin.setValue('12345678')
    await key('Enter', {}, pin.element)
    await flushPromises()
    expect(w.find('[data-testid="lock-screen"]').exists()).toBe(false)
    expect(w.text()).not.toContain('工作站已锁定')
    expect(w.find('[data-testid="intake-error"]').exists()).toBe(false)
    await vi.waitFor(() => expect(document.activeElement).toBe(search(w)))
    // Keys act on the page again.
    await key('F9')
    expect(w.find('[data-testid="device-panel"]').exists()).toBe(true)
  })

  it('a5_other_clerk_login_parks_the_open_case_for_its_clerk', async () => {
    const { w, backend } = await counter()
    await w.find('[data-testid="applicant-name"]').setValue('张伟')
    backend.push({ locked: true })
    await flushPromises()
    await w.find('[data-testid="lock-switch-clerk"]').trigger('click')
    await flushPromises()
    // Parked for 钱七 before the page went; the login form is up for the other clerk.
    expect(backend.intake.switchParked.map((d) => d.applicant.name)).toEqual(['张伟'])
    const drafts = await backend.intake.drafts()
    expect(drafts.status === 'ok' && drafts.data.map((c) => c.draft.applicant.name)).toEqual(['张伟'])
    await vi.waitFor(() => expect(w.find('[data-testid="lock-screen"]').exists()).toBe(false))
    expect(w.find('[data-testid="workbench"]').exists()).toBe(false)
  })

  it('a5_other_clerk_login_waits_when_the_case_cannot_be_parked', async () => {
    const { w, backend } = await counter()
    await w.find('[data-testid="applicant-name"]').setValue('张伟')
    backend.push({ locked: true })
    await flushPromises()
    vi.spyOn(backend.intake, 'parkForSwitch').mockResolvedValue({
      status: 'error',
      error: { code: 'store.write', message: '数据保存失败', detail: '' },
    })
    await w.find('[data-testid="lock-switch-clerk"]').trigger('click')
    await flushPromises()
    expect(w.find('[data-testid="lock-screen"]').exists()).toBe(true)
    expect(w.find('[data-testid="unlock-error"]').text()).toContain('数据保存失败')
  })

  it('a5_other_clerk_login_without_unsaved_work_parks_nothing', async () => {
    const { w, backend } = await counter()
    backend.push({ locked: true })
    await flushPromises()
    await w.find('[data-testid="lock-switch-clerk"]').trigger('click')
    await flushPromises()
    expect(backend.intake.switchParked).toEqual([])
    await vi.waitFor(() => expect(w.find('[data-testid="lock-screen"]').exists()).toBe(false))
  })
})

describe('key list (F1)', () => {
  it('e1_f1_lists_every_key_of_the_active_scopes_and_escape_closes', async () => {
    const { w } = await counter()
    await key('F1')
    const help = w.find('[data-testid="key-help"]')
    expect(help.exists()).toBe(true)
    // The intake page's scope first, then the search field's, the workbench's, the window's.
    const scopes = help.findAll('[data-scope]').map((s) => s.attributes('data-scope'))
    expect(scopes).toEqual(['intake', 'desk', 'itemSearch', 'workbench', 'app'])
    const text = help.text()
    for (const words of ['F2', '事项搜索', 'F8', '打印通知书', 'F10', '确认决定', '数字键 1–9', '回答情形问题', 'Alt+2', '暂存件', 'F9', '设备检测', 'F1', '↓', '选择事项']) {
      expect(text).toContain(words)
    }
    // While it shows, the page's keys do nothing.
    await key('F9')
    expect(w.find('[data-testid="device-panel"]').exists()).toBe(false)
    await key('Escape')
    expect(w.find('[data-testid="key-help"]').exists()).toBe(false)
    // Escape from the list does not go on to the page (the question is still open).
    expect(w.findAll('[data-testid="situation-option"]')).toHaveLength(2)
  })

  it('e1_f1_on_the_login_screen_lists_the_window_keys_only', async () => {
    const backend = new MemoryBackend()
    const w = mount(App, {
      attachTo: document.body,
      global: { plugins: [createPinia(), ElementPlus, { install: (app) => installBackend(app, backend) }] },
    })
    mounted.push(w)
    await vi.waitFor(() => expect(backend.rendered).toEqual(['login']))
    await key('F1')
    expect(w.findAll('[data-scope]').map((s) => s.attributes('data-scope'))).toEqual(['app'])
    await key('F1')
    expect(w.find('[data-testid="key-help"]').exists()).toBe(false)
  })
})

describe('pages in front of the workbench (E7)', () => {
  it('e7_f9_mid_intake_keeps_the_case_and_rests_its_keys', async () => {
    const { w, backend } = await counter()
    await w.find('[data-testid="applicant-name"]').setValue('张伟')
    await key('F9')
    expect(w.find('[data-testid="device-panel"]').exists()).toBe(true)
    // The intake keys rest behind the panel, and F1 does not list them.
    const refresh = vi.spyOn(backend.intake, 'refresh')
    await key('1')
    await key('F8')
    expect(refresh).not.toHaveBeenCalled()
    expect(backend.intake.printed).toBe(0)
    await key('F1')
    expect(w.findAll('[data-scope]').map((s) => s.attributes('data-scope'))).toEqual(['app'])
    await key('Escape')
    // Esc back: the case is as it was.
    await key('Escape')
    expect(w.find('[data-testid="device-panel"]').exists()).toBe(false)
    expect((w.find('[data-testid="applicant-name"]').element as HTMLInputElement).value).toBe('张伟')
    expect(w.findAll('[data-testid="situation-option"]')).toHaveLength(2)
  })

  it('e1_intake_keys_rest_while_another_tab_shows', async () => {
    const { w, backend } = await counter()
    await key('3', { altKey: true, code: 'Digit3' })
    expect(w.find('[data-testid="history-page"]').exists()).toBe(true)
    const refresh = vi.spyOn(backend.intake, 'refresh')
    await key('1')
    await key('F7')
    expect(refresh).not.toHaveBeenCalled()
    await key('F1')
    expect(w.findAll('[data-scope]').map((s) => s.attributes('data-scope'))).toEqual(['desk', 'workbench', 'app'])
    await key('Escape')
    await key('1', { altKey: true, code: 'Digit1' })
    await key('1')
    expect(refresh).toHaveBeenCalledTimes(1)
  })
})
