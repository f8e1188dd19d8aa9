// The workbench home, the card panel, the notice preview and the reprint from the result
// banner (issue 14), on the intake page over the in-memory backend.
import { afterEach, describe, expect, it } from 'vitest'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia } from 'pinia'
import ElementPlus from 'element-plus'
import IntakePage from '../src/intake/IntakePage.vue'
import { installBackend } from '../src/backend'
import { MemoryBackend, sampleStatus } from '../src/backend/memory'
import type { CitizenCard, Party, Permission } from '../src/bindings'
import { useCardStore } from '../src/stores/card'
import { useShellStore } from '../src/stores/shell'

if (!URL.createObjectURL) {
  URL.createObjectURL = () => 'blob:test'
  URL.revokeObjectURL = () => {}
}

const mounted: VueWrapper[] = []
afterEach(() => {
  while (mounted.length) mounted.pop()!.unmount()
})

const zhangWei: Party = { name: '张伟', id_number: '110101198503120035', id_source: 'card', sex: '男', nation: '汉', birth: '1985-03-12', address: '', phone: '' }

const card = (overrides: Partial<CitizenCard> = {}): CitizenCard => ({
  identity: {
    kind: 'hk_macao_taiwan',
    name: '陈大文',
    sex: 'male',
    birth: { year: 1990, month: 3, day: 7 },
    id_number: '810000199003070011',
    id_number_valid: true,
    valid_from: { year: 2019, month: 1, day: 1 },
    valid_until: { type: 'until', date: { year: 2024, month: 1, day: 1 } },
    details: { type: 'hk_macao_taiwan', address: '香港', issuer: '公安部出入境管理局', pass_number: 'H01234567', issue_count: 1 },
  },
  expired: true,
  photo_available: false,
  photo: null,
  photo_error: null,
  ...overrides,
})

const testid = (id: string) => `[data-testid="${id}"]`
const focusedId = () => (document.activeElement as HTMLElement | null)?.getAttribute('data-testid')

const everything: Permission[] = ['accept', 'query', 'export', 'reprint', 'change']

/** The intake page for a clerk with these permissions (A4; all the counter's by default). */
async function page(backend = new MemoryBackend(), permissions: Permission[] = everything) {
  const pinia = createPinia()
  useShellStore(pinia).status = sampleStatus({
    clerk: { id: 'c1', name: '钱七', department: '户政科', post: '综合窗口', permissions, items: { kind: 'all' }, mode: 'online', ukey_default_pin: false },
  })
  const w = mount(IntakePage, {
    props: { resume: null },
    attachTo: document.body,
    global: { plugins: [pinia, ElementPlus, { install: (app) => installBackend(app, backend) }] },
  })
  mounted.push(w)
  await flushPromises()
  return { w, backend, pinia }
}

function key(k: string, target: EventTarget = document.activeElement ?? window, init: KeyboardEventInit = {}) {
  target.dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true, cancelable: true, ...init }))
  return flushPromises()
}

/** 户籍证明 open, answered, applicant from the card, materials in. */
async function readyCase(w: VueWrapper, backend: MemoryBackend) {
  backend.intake.card = { ...zhangWei }
  await w.find(testid('home-item')).trigger('click')
  await flushPromises()
  await key('1', window)
  await key('F6', window)
  await key('F7', window)
}

describe('workbench home (D3)', () => {
  it('d3_home_lists_frequent_favourites_recent_and_departments', async () => {
    const { w } = await page()
    expect(w.find(testid('home')).exists()).toBe(true)
    expect(w.find(testid('home-frequent')).text()).toContain('户籍证明')
    expect(w.find(testid('home-favourites')).text()).toContain('点事项旁的 ☆ 收藏')
    expect(w.find(testid('home-recent')).exists()).toBe(true)
    const dep = w.find(testid('home-department'))
    expect(dep.text()).toContain('公安')
    expect(dep.text()).toContain('1项')
  })

  it('d3_a_star_adds_and_removes_a_favourite', async () => {
    const { w, backend } = await page()
    await w.find(`${testid('home-frequent')} ${testid('favourite-toggle')}`).trigger('click')
    await flushPromises()
    expect(backend.intake.favourites.has('GA-HJ-0301')).toBe(true)
    expect(w.find(testid('home-favourites')).text()).toContain('户籍证明')
    expect(w.find(`${testid('home-favourites')} ${testid('favourite-toggle')}`).attributes('data-on')).toBe('true')
    await w.find(`${testid('home-favourites')} ${testid('favourite-toggle')}`).trigger('click')
    await flushPromises()
    expect(backend.intake.favourites.size).toBe(0)
    expect(w.find(testid('home-favourites')).findAll(testid('home-item'))).toHaveLength(0)
  })

  it('d3_search_hits_and_the_open_items_header_carry_the_star', async () => {
    const { w, backend } = await page()
    await w.find(testid('item-search')).setValue('户籍')
    await w.find(testid('item-search')).trigger('input')
    await flushPromises()
    expect(w.find(testid('home')).exists()).toBe(false)
    await w.find(`${testid('item-hit')} ${testid('favourite-toggle')}`).trigger('click')
    await flushPromises()
    expect(backend.intake.favourites.has('GA-HJ-0301')).toBe(true)
    expect(w.find(testid('intake-item')).exists()).toBe(false)
    await w.find(testid('item-search')).trigger('keydown', { key: 'Enter' })
    await flushPromises()
    const star = w.find(`${testid('intake-item')} ${testid('favourite-toggle')}`)
    expect(star.attributes('data-on')).toBe('true')
    await star.trigger('click')
    await flushPromises()
    expect(backend.intake.favourites.size).toBe(0)
  })

  it('d3_keyboard_enters_the_lists_opens_a_department_and_picks_its_item', async () => {
    const { w } = await page()
    const search = w.find(testid('item-search')).element as HTMLInputElement
    search.focus()
    await key('ArrowDown', search)
    expect(focusedId()).toBe('home-item')
    await key('ArrowUp')
    expect(focusedId()).toBe('item-search')
    await key('ArrowDown', search)
    // → to the next list with entries: the departments.
    await key('ArrowRight')
    expect(focusedId()).toBe('home-department')
    await key('ArrowRight')
    await flushPromises()
    expect(w.find(testid('home-department-items')).text()).toContain('某市公安局')
    expect(focusedId()).toBe('home-item')
    await key('Enter')
    await flushPromises()
    expect(w.find(testid('intake-item')).text()).toContain('户籍证明')
    expect(w.find(testid('home')).exists()).toBe(false)
  })

  it('d3_star_key_on_a_home_entry_toggles_the_favourite', async () => {
    const { w, backend } = await page()
    ;(w.find(testid('home-item')).element as HTMLElement).focus()
    await key('*')
    expect(backend.intake.favourites.has('GA-HJ-0301')).toBe(true)
  })
})

describe('card panel beside the applicant (C1, C2)', () => {
  it('c1_shows_type_validity_expiry_photo_slot_and_source', async () => {
    const { w, backend, pinia } = await page()
    await readyCase(w, backend)
    expect(w.find(testid('card-panel-empty')).exists()).toBe(true)
    const store = useCardStore(pinia)
    store.card = card()
    store.onReader = true
    await flushPromises()
    const panel = w.find(testid('card-panel'))
    expect(panel.find(testid('id-card-kind')).text()).toBe('港澳台居民居住证')
    expect(panel.find(testid('id-card-validity')).text()).toContain('2019年1月1日 至 2024年1月1日')
    expect(panel.find(testid('id-card-expired')).exists()).toBe(true)
    expect(panel.find('.photo').exists()).toBe(true)
    expect(panel.find(testid('card-panel-source')).text()).toBe('读卡')
    expect(panel.find(testid('card-panel-where')).text()).toBe('在读卡器上')
  })

  it('c3_a_card_read_clears_the_no_card_message_even_with_the_applicant_typed', async () => {
    const { w, backend, pinia } = await page()
    await w.find(testid('home-item')).trigger('click')
    await flushPromises()
    await key('1', window)
    await w.find(testid('applicant-name')).setValue('张')
    await key('F6', window)
    expect(w.find(testid('intake-error')).text()).toBe('请将身份证放到读卡器上。')
    backend.intake.card = { ...zhangWei }
    useCardStore(pinia).card = card()
    await flushPromises()
    expect(w.find(testid('intake-error')).exists()).toBe(false)
  })
})

describe('notice preview and reprint (E6, F4)', () => {
  it('e6_shift_f8_previews_the_notice_esc_closes_and_f8_still_prints_directly', async () => {
    const { w, backend } = await page()
    await readyCase(w, backend)
    await key('F8', window, { shiftKey: true })
    expect(w.find(testid('notice-preview')).exists()).toBe(true)
    expect(focusedId()).toBe('notice-preview-close')
    const lines = w.findAll(testid('notice-preview-line')).map((l) => l.text())
    expect(lines).toContain('受理通知书')
    expect(lines).toContain('张伟：')
    expect(backend.intake.printed).toBe(0)
    await key('Escape')
    expect(w.find(testid('notice-preview')).exists()).toBe(false)
    expect(focusedId()).toBe('preview-notice')
    await key('F8', window)
    expect(backend.intake.printed).toBe(1)
    expect(w.find(testid('notice-preview')).exists()).toBe(false)
  })

  it('e6_f8_inside_the_preview_prints_and_a_refused_preview_says_why_there', async () => {
    const { w, backend } = await page()
    await readyCase(w, backend)
    await w.find(testid('kind-reject')).setValue(true)
    await w.find(testid('preview-notice')).trigger('click')
    await flushPromises()
    expect(w.find(testid('notice-preview-error')).text()).toContain('不予受理理由')
    await key('Escape')
    await w.find(testid('kind-accept')).setValue(true)
    await key('F8', window, { shiftKey: true })
    await key('F8', window)
    expect(backend.intake.printed).toBe(1)
    expect(w.find(testid('notice-preview')).exists()).toBe(false)
  })

  it('f4_the_result_banner_reprints_the_last_notice_with_a_reason', async () => {
    const { w, backend } = await page()
    await readyCase(w, backend)
    await key('F8', window)
    await key('F10', window)
    expect(w.find(testid('case-done')).text()).toContain('已受理')
    await w.find(testid('reprint-open')).trigger('click')
    await flushPromises()
    expect(focusedId()).toBe('reprint-reason')
    await w.find(testid('reprint-confirm')).trigger('click')
    await flushPromises()
    expect(w.find(testid('reprint-error')).text()).toContain('补打原因')
    await w.findAll(testid('reprint-reason'))[1].trigger('click')
    await flushPromises()
    expect(backend.intake.reprints).toEqual([{ caseId: 'case-1', index: 0, reason: '申请人需要副本' }])
    expect(w.find(testid('reprint-result')).text()).toContain('已重打')
    expect(w.find(testid('reprint-error')).exists()).toBe(false)
  })

  it('a4_without_reprint_the_banner_button_is_disabled_with_the_reason', async () => {
    const { w, backend } = await page(new MemoryBackend(), ['accept'])
    await readyCase(w, backend)
    await key('F8', window)
    await key('F10', window)
    expect(w.find(testid('case-done')).text()).toContain('已受理')
    const button = w.find(testid('reprint-open'))
    expect(button.attributes('disabled')).toBeDefined()
    expect(w.find(testid('reprint-why')).attributes('title')).toBe('您没有“补打”权限，请联系管理员')
    await button.trigger('click')
    await flushPromises()
    expect(w.find(testid('reprint-reason')).exists()).toBe(false)
    expect(backend.intake.reprints).toEqual([])
  })

  it('e9_an_instant_item_is_closed_at_the_counter_from_the_banner', async () => {
    const { w, backend } = await page()
    await readyCase(w, backend)
    await key('F8', window)
    await key('F10', window)
    expect(w.find(testid('conclude')).text()).toContain('即办件当场办结')
    await w.find(testid('conclude-denied')).setValue(true)
    expect(w.find(testid('conclude-confirm')).attributes('disabled')).toBeDefined()
    await w.find(testid('conclude-reason')).setValue('被证明人户籍不在本辖区')
    await w.find(testid('conclude-confirm')).trigger('click')
    await flushPromises()
    const done = w.find(testid('concluded'))
    expect(done.attributes('data-result')).toBe('denied')
    expect(done.text()).toContain('不予许可')
    expect(done.text()).toContain('被证明人户籍不在本辖区')
    expect(done.text()).toContain('不予许可决定书已打印')
    expect(w.find(testid('conclude')).exists()).toBe(false)
    expect(backend.intake.cases.get('case-1')?.conclusion?.result).toBe('denied')
  })

  it('f2_the_banner_prints_the_receipt_slip_and_a_reprint_needs_a_reason', async () => {
    const { w, backend } = await page()
    await readyCase(w, backend)
    await key('F8', window)
    await key('F10', window)
    await w.find(testid('slip-print')).trigger('click')
    await flushPromises()
    expect(w.find(testid('slip-result')).text()).toBe('小票回执已打印')
    await w.find(testid('slip-print')).trigger('click')
    await flushPromises()
    expect(w.find(testid('slip-error')).text()).toContain('原因')
    await w.find(testid('slip-reason')).setValue('群众遗失小票')
    await w.find(testid('slip-print')).trigger('click')
    await flushPromises()
    expect(w.find(testid('slip-result')).text()).toContain('群众遗失小票')
    expect(backend.intake.slips).toEqual([
      { caseId: 'case-1', reason: '' },
      { caseId: 'case-1', reason: '群众遗失小票' },
    ])
  })
})
