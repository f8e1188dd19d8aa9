// The counter's keyboard flow (issue 14): the focus follows the case, feedback shows beside
// the control that caused it, no half-done case is dropped without asking, Chinese labels.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, type Pinia } from 'pinia'
import ElementPlus from 'element-plus'
import ClerkWorkbench from '../src/clerk/ClerkWorkbench.vue'
import { installBackend } from '../src/backend'
import { MemoryBackend, sampleStatus } from '../src/backend/memory'
import type { CitizenCard, Party, Permission } from '../src/bindings'
import { useCardStore } from '../src/stores/card'
import { useIntakeStore } from '../src/stores/intake'

// jsdom has no object URLs; the camera panel shows frames through them.
if (!URL.createObjectURL) {
  URL.createObjectURL = () => 'blob:test'
  URL.revokeObjectURL = () => {}
}

const mounted: VueWrapper[] = []
afterEach(() => {
  while (mounted.length) mounted.pop()!.unmount()
})

const zhangWei: Party = { name: '张伟', id_number: '110101198503120035', id_source: 'card', sex: '男', nation: '汉', birth: '1985-03-12', address: '', phone: '' }

function key(k: string, init: KeyboardEventInit = {}, target: EventTarget = document.activeElement ?? window) {
  target.dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true, cancelable: true, ...init }))
  return flushPromises()
}

const everything: Permission[] = ['accept', 'query', 'export', 'reprint', 'change']

async function workbench(permissions: Permission[] = everything): Promise<{ w: VueWrapper; backend: MemoryBackend; pinia: Pinia }> {
  const backend = new MemoryBackend()
  const status = sampleStatus({
    clerk: { id: 'c1', name: '钱七', department: '户政科', post: '综合窗口', permissions, items: { kind: 'all' }, mode: 'online', ukey_default_pin: false },
  })
  const pinia = createPinia()
  const w = mount(ClerkWorkbench, {
    props: { status },
    attachTo: document.body,
    global: { plugins: [pinia, ElementPlus, { install: (app) => installBackend(app, backend) }] },
  })
  mounted.push(w)
  await flushPromises()
  return { w, backend, pinia }
}

const testid = (id: string) => `[data-testid="${id}"]`
const focused = () => document.activeElement as HTMLElement | null
const focusedId = () => focused()?.getAttribute('data-testid')

/** Types the initials and takes the first hit with Enter, from the search box. */
async function pickByKeys(w: VueWrapper, text = 'hjzm') {
  const search = w.find(testid('item-search'))
  ;(search.element as HTMLInputElement).focus()
  await search.setValue(text)
  await flushPromises()
  await key('Enter', {}, search.element)
  await flushPromises()
}

describe('focus follows the flow (E1–E6)', () => {
  it('e1_enter_on_a_hit_moves_the_focus_to_the_first_question', async () => {
    const { w, backend } = await workbench()
    await pickByKeys(w)
    expect(focusedId()).toBe('situation-option')
    expect(focused()?.textContent).toContain('1.')
    // So the digit answers the question and is not typed into the search.
    const refresh = vi.spyOn(backend.intake, 'refresh')
    await key('1')
    expect(refresh).toHaveBeenCalledTimes(1)
    expect((w.find(testid('item-search')).element as HTMLInputElement).value).toBe('')
  })

  it('e2_last_answer_moves_the_focus_to_the_applicant_and_names_f6', async () => {
    const { w } = await workbench()
    await pickByKeys(w)
    await key('1')
    expect(focusedId()).toBe('applicant-name')
    expect(w.find(`[data-testid="party-applicant"]`).exists()).toBe(true)
    expect(w.findAll(testid('next-key')).map((n) => n.text())).toContain('按 F6 读卡填入，或直接输入姓名和证件号码')
  })

  it('e3_f6_then_f7_then_f8_walk_the_focus_to_the_decision', async () => {
    const { w, backend } = await workbench()
    backend.intake.card = { ...zhangWei }
    await pickByKeys(w)
    await key('1')
    await key('F6')
    expect(focusedId()).toBe('receive-all')
    expect(w.findAll(testid('next-key')).map((n) => n.text())).toContain('核对原件后按 F7 全部收取')
    await key('F7')
    expect(focusedId()).toBe('print-notice')
    expect(w.findAll(testid('next-key')).map((n) => n.text())).toContain('按 F8 打印通知书，再按 F10 确认')
    await key('F8')
    expect(focusedId()).toBe('decide')
    expect(w.findAll(testid('next-key')).map((n) => n.text())).toContain('按 F10 确认受理')
    await key('F10')
    expect(w.find(testid('case-done')).text()).toContain('已受理')
    expect(focusedId()).toBe('item-search')
  })

  it('e1_with_the_card_on_the_reader_enter_on_a_hit_goes_to_the_question_then_the_materials', async () => {
    const { w, backend } = await workbench()
    backend.intake.card = { ...zhangWei }
    await pickByKeys(w)
    await key('F6')
    // The question still comes first.
    expect(focusedId()).toBe('situation-option')
    await key('1')
    expect(focusedId()).toBe('receive-all')
  })
})

describe('feedback beside the decision bar (E6)', () => {
  it('e6_f10_before_f8_says_print_first_beside_the_bar', async () => {
    const { w, backend } = await workbench()
    backend.intake.card = { ...zhangWei }
    await pickByKeys(w)
    await key('1')
    await key('F10')
    const bar = w.find(testid('decision'))
    expect(bar.find(testid('decision-warning')).text()).toBe('请先打印通知书（F8）')
    expect(w.find(testid('case-done')).exists()).toBe(false)
    // Printed, then changed: F10 asks for a new notice.
    await key('F8')
    expect(bar.find(testid('decision-warning')).exists()).toBe(false)
    await w.find(testid('applicant-phone')).setValue('13800138000')
    await key('F10')
    expect(bar.find(testid('decision-warning')).text()).toBe('内容已修改，请重新打印通知书（F8）')
  })

  it('e6_print_result_and_errors_show_in_the_decision_bar_not_at_the_top', async () => {
    const { w, backend } = await workbench()
    await pickByKeys(w)
    await key('1')
    // 受理 with the materials missing: the workstation refuses the print; the error is in the bar.
    await w.find(testid('kind-accept')).setValue(true)
    await key('F8')
    const bar = w.find(testid('decision'))
    expect(bar.find(testid('intake-error')).text()).toContain('必要材料未收齐')
    expect(w.findAll(testid('intake-error'))).toHaveLength(1)
    await key('F7')
    await key('F8')
    expect(backend.intake.printed).toBe(1)
    expect(bar.find(testid('intake-error')).exists()).toBe(false)
    expect(bar.find(testid('intake-notice')).text()).toMatch(/已打印，编号/)
    expect(w.findAll(testid('intake-notice'))).toHaveLength(1)
  })
})

describe('guard before a half-done case is dropped (E7)', () => {
  async function halfDone() {
    const ctx = await workbench()
    await pickByKeys(ctx.w)
    await key('1')
    await ctx.w.find(testid('applicant-name')).setValue('张伟')
    await key('F7')
    return ctx
  }

  const applicant = (w: VueWrapper) => (w.find(testid('applicant-name')).element as HTMLInputElement).value

  it('e7_switching_item_with_unsaved_work_asks', async () => {
    const { w, backend } = await halfDone()
    await pickByKeys(w)
    const guard = w.find(testid('leave-guard'))
    expect(guard.exists()).toBe(true)
    expect(guard.text()).toContain('户籍证明（张伟）')
    expect(focusedId()).toBe('leave-park')
    // Under the question no key reaches the page: F7, a digit, F9.
    const refresh = vi.spyOn(backend.intake, 'refresh')
    await key('2', {}, window)
    expect(refresh).not.toHaveBeenCalled()
    // Esc: the case stays as it was.
    await key('Escape')
    expect(w.find(testid('leave-guard')).exists()).toBe(false)
    expect(w.find(testid('intake-item')).text()).toContain('户籍证明')
    expect(applicant(w)).toBe('张伟')
    expect(await backend.intake.drafts()).toMatchObject({ status: 'ok', data: [] })
  })

  it('e7_park_from_the_guard_keeps_a_draft_and_opens_the_other_item', async () => {
    const { w, backend } = await halfDone()
    await pickByKeys(w)
    await key('F4')
    await flushPromises()
    expect(w.find(testid('leave-guard')).exists()).toBe(false)
    // A new case of the item picked, its question asked.
    expect(w.findAll(testid('situation-option'))).toHaveLength(2)
    expect(applicant(w)).toBe('')
    expect(w.find(testid('intake-notice')).text()).toContain('已暂存：户籍证明 张伟')
    const drafts = await backend.intake.drafts()
    expect(drafts.status === 'ok' ? drafts.data.map((d) => d.draft.applicant.name) : []).toEqual(['张伟'])
    // The workbench counts it.
    await flushPromises()
    expect(w.find('[data-menu="drafts"]').text()).toBe('暂存件（Alt+2）（1）')
  })

  it('e7_discard_from_the_guard_opens_the_other_item_without_a_draft', async () => {
    const { w, backend } = await halfDone()
    await pickByKeys(w)
    await key('Delete')
    await flushPromises()
    expect(w.find(testid('leave-guard')).exists()).toBe(false)
    expect(w.findAll(testid('situation-option'))).toHaveLength(2)
    expect(applicant(w)).toBe('')
    expect(await backend.intake.drafts()).toMatchObject({ status: 'ok', data: [] })
  })

  it('e7_logout_with_unsaved_work_asks', async () => {
    const { w, backend } = await halfDone()
    const logout = vi.spyOn(backend, 'logout')
    await w.find(testid('logout')).trigger('click')
    await flushPromises()
    expect(w.find(testid('leave-guard')).exists()).toBe(true)
    await w.find(testid('leave-cancel')).trigger('click')
    await flushPromises()
    expect(logout).not.toHaveBeenCalled()
    await w.find(testid('logout')).trigger('click')
    await flushPromises()
    // Enter on the focused 暂存 button parks it, then logs out.
    expect(focusedId()).toBe('leave-park')
    await w.find(testid('leave-park')).trigger('click')
    await flushPromises()
    expect(logout).toHaveBeenCalledTimes(1)
    const drafts = await backend.intake.drafts()
    expect(drafts.status === 'ok' ? drafts.data.length : 0).toBe(1)
  })

  it('e7_nothing_typed_nothing_asked', async () => {
    const { w, backend, pinia } = await workbench()
    await pickByKeys(w)
    await key('1')
    expect(useIntakeStore(pinia).dirty).toBe(false)
    await pickByKeys(w)
    expect(w.find(testid('leave-guard')).exists()).toBe(false)
    expect(w.findAll(testid('situation-option'))).toHaveLength(2)
    // Nor after a notice was printed (the case is saved) and nothing changed since.
    backend.intake.card = { ...zhangWei }
    await pickByKeys(w)
    await key('1')
    await key('F6')
    await key('F7')
    await key('F8')
    expect(useIntakeStore(pinia).dirty).toBe(false)
    const logout = vi.spyOn(backend, 'logout')
    await w.find(testid('logout')).trigger('click')
    await flushPromises()
    expect(w.find(testid('leave-guard')).exists()).toBe(false)
    expect(logout).toHaveBeenCalledTimes(1)
  })

  it('e7_resuming_a_draft_over_unsaved_work_asks', async () => {
    const { w, backend, pinia } = await halfDone()
    // A draft parked earlier.
    const other = await backend.intake.newDraft('GA-HJ-0301')
    if (other.status !== 'ok') throw new Error('no draft')
    other.data.applicant.name = '李娜'
    await backend.intake.save(other.data)
    await key('2', { altKey: true, code: 'Digit2' }, window)
    await w.find(testid('draft-resume')).trigger('click')
    await flushPromises()
    expect(w.find(testid('leave-guard')).exists()).toBe(true)
    await key('Escape')
    expect((w.find(testid('applicant-name')).element as HTMLInputElement).value).toBe('张伟')
    expect(useIntakeStore(pinia).dirty).toBe(true)
  })
})

describe('Chinese labels and dates (A4, E5)', () => {
  it('a4_permissions_show_in_chinese', async () => {
    const { w } = await workbench(['accept', 'query', 'print'])
    expect(w.find(testid('workbench-permissions')).text()).toBe('本人权限：收件受理、查询、打印')
  })


  it('e5_deadline_is_picked_and_shown_in_zh_cn_form', async () => {
    const { w, pinia } = await workbench()
    await pickByKeys(w)
    await key('1')
    await w.find(testid('kind-supplement')).setValue(true)
    const input = w.find(`${testid('decision')} .el-date-editor input`)
    expect(input.attributes('placeholder')).toContain('补正期限')
    useIntakeStore(pinia).deadline = '2026-12-11'
    await flushPromises()
    expect((input.element as HTMLInputElement).value).toBe('2026-12-11')
  })
})

describe('card read answers its own refusal (C3)', () => {
  it('c3_a_read_after_f6_without_a_card_leaves_no_stale_message', async () => {
    const { w, backend } = await workbench()
    await pickByKeys(w)
    await key('1')
    await key('F6')
    expect(w.find(testid('intake-error')).text()).toBe('请将身份证放到读卡器上。')
    backend.intake.card = { ...zhangWei }
    await key('F6')
    expect(w.find(testid('intake-error')).exists()).toBe(false)
    expect((w.find(testid('applicant-name')).element as HTMLInputElement).value).toBe('张伟')
  })
})

describe('the walk-in by keyboard (E1–E6)', () => {
  it('e5_walk_in_takes_six_keys_besides_the_query_text', async () => {
    const { w, backend, pinia } = await workbench()
    // The citizen put the card on the reader.
    backend.intake.card = { ...zhangWei }
    const card = useCardStore(pinia)
    card.card = {} as CitizenCard
    card.onReader = true
    const pressed: string[] = []
    const press = async (k: string) => {
      pressed.push(k)
      await key(k)
    }
    ;(document.activeElement as HTMLElement | null)?.blur()
    await press('F2')
    expect(focusedId()).toBe('item-search')
    await w.find(testid('item-search')).setValue('hjzm')
    await flushPromises()
    await press('Enter')
    await press('1')
    expect((w.find(testid('applicant-name')).element as HTMLInputElement).value).toBe('张伟')
    expect(focusedId()).toBe('receive-all')
    await press('F7')
    await press('F8')
    await press('F10')
    expect(w.find(testid('case-done')).text()).toContain('已受理')
    expect(pressed).toEqual(['F2', 'Enter', '1', 'F7', 'F8', 'F10'])
  })
})

describe('the camera by the control that opened it (E3)', () => {
  it('e3_capture_panel_opens_by_the_material_rows_and_f3_by_the_search', async () => {
    const { w } = await workbench()
    await pickByKeys(w)
    await key('1')
    const camera = w.findAll(testid('material-camera'))[1]
    ;(camera.element as HTMLElement).focus()
    await camera.trigger('click')
    await flushPromises()
    expect(w.find(`${testid('materials')} ${testid('camera-panel')}`).attributes('data-mode')).toBe('capture')
    expect(w.find(testid('camera-panel')).text()).toContain('居民户口簿')
    await key('Escape')
    expect(w.find(testid('camera-panel')).exists()).toBe(false)
    await key('F3')
    expect(w.find(testid('camera-panel')).attributes('data-mode')).toBe('scan')
    expect(w.find(`${testid('materials')} ${testid('camera-panel')}`).exists()).toBe(false)
    await key('Escape')
  })
})

describe('the header agrees with the status bar (J1)', () => {
  it('j1_online_session_without_the_server_is_not_shown_green', async () => {
    const { w } = await workbench()
    const tag = () => w.find(testid('session-online'))
    expect(tag().text()).toBe('在线登录')
    expect(tag().attributes('data-connected')).toBe('true')
    const status = sampleStatus({
      clerk: { id: 'c1', name: '钱七', department: '户政科', post: '综合窗口', permissions: ['accept', 'query', 'export', 'reprint', 'change'], items: { kind: 'all' }, mode: 'online', ukey_default_pin: false },
      backend: { state: 'unreachable', reason: 'connection refused' },
    })
    await w.setProps({ status })
    expect(tag().text()).toContain('中心服务已断开')
    expect(tag().attributes('data-connected')).toBe('false')
  })
})

describe('the guard keeps the keys and the focus (E7)', () => {
  it('e7_guard_keeps_the_focus_inside_until_answered', async () => {
    const { w } = await workbench()
    await pickByKeys(w)
    await key('1')
    await w.find(testid('applicant-name')).setValue('张伟')
    await pickByKeys(w)
    expect(focusedId()).toBe('leave-park')
    // Tab past the last button, or a focus() from behind: back to 暂存.
    ;(w.find(testid('item-search')).element as HTMLElement).focus()
    expect(focusedId()).toBe('leave-park')
    await key('Escape')
    expect(w.find(testid('leave-guard')).exists()).toBe(false)
    ;(w.find(testid('item-search')).element as HTMLElement).focus()
    expect(focusedId()).toBe('item-search')
  })
})

describe('what the clerk may not do is not offered (A4)', () => {
  it('a4_a_query_only_clerk_gets_history_and_no_intake_pages', async () => {
    const { w } = await workbench(['query'])
    const menus = w.findAll('[data-menu]').map((b) => b.attributes('data-menu'))
    expect(menus).not.toContain('intake')
    expect(menus).not.toContain('drafts')
    expect(menus).toContain('history')
    expect(w.find(testid('intake-page')).exists()).toBe(false)
    expect(w.find(testid('history-page')).exists()).toBe(true)
    // Alt+1 does not open the intake page behind the clerk's back.
    await key('1', { altKey: true, code: 'Digit1' }, window)
    expect(w.find(testid('intake-page')).exists()).toBe(false)
  })

  it('a4_an_accept_only_clerk_has_no_history_and_alt_3_does_nothing', async () => {
    const { w } = await workbench(['accept'])
    const menus = w.findAll('[data-menu]').map((b) => b.attributes('data-menu'))
    expect(menus).toEqual(expect.arrayContaining(['intake', 'drafts']))
    expect(menus).not.toContain('history')
    await key('3', { altKey: true, code: 'Digit3' }, window)
    expect(w.find(testid('history-page')).exists()).toBe(false)
    expect(w.find(testid('intake-page')).exists()).toBe(true)
  })

  it('a4_history_without_export_reprint_or_change_disables_them_with_the_reason', async () => {
    const { w, backend } = await workbench(['accept', 'query'])
    await pickByKeys(w)
    await key('1')
    await key('F6', {}, window)
    await key('F7', {}, window)
    await key('F8', {}, window)
    await key('F10', {}, window)
    await key('3', { altKey: true, code: 'Digit3' }, window)
    await flushPromises()
    for (const id of ['export-csv', 'export-xlsx']) expect(w.find(testid(id)).attributes('disabled')).toBeDefined()
    expect(w.find(testid('export-why')).attributes('title')).toBe('您没有“导出”权限，请联系管理员')
    const row = w.find(testid('history-row'))
    expect(row.exists()).toBe(true)
    await row.trigger('click')
    await flushPromises()
    const detail = document.querySelector(testid('case-detail'))
    expect(detail).not.toBeNull()
    const reprint = document.querySelector<HTMLButtonElement>(testid('reprint'))!
    expect(reprint.disabled).toBe(true)
    expect(document.querySelector(testid('reprint-why'))!.getAttribute('title')).toBe('您没有“补打”权限，请联系管理员')
    expect(document.querySelector<HTMLButtonElement>(testid('change-withdraw'))!.disabled).toBe(true)
    expect(document.querySelector(testid('change-why'))!.getAttribute('title')).toBe('您没有“变更”权限，请联系管理员')
    reprint.click()
    await flushPromises()
    expect(document.querySelector(testid('reprint-reason'))).toBeNull()
    expect(backend.intake.reprints).toEqual([])
  })

  it('e5_a_withdrawal_needs_the_signed_request_under_the_camera', async () => {
    const { w, backend } = await workbench()
    await pickByKeys(w)
    await key('1')
    await key('F6', {}, window)
    await key('F7', {}, window)
    await key('F8', {}, window)
    await key('F10', {}, window)
    await key('3', { altKey: true, code: 'Digit3' }, window)
    await flushPromises()
    await w.find(testid('history-row')).trigger('click')
    await flushPromises()
    const q = <T extends HTMLElement>(id: string) => document.querySelector<T>(testid(id))
    q('change-withdraw')!.click()
    await flushPromises()
    const reason = q<HTMLInputElement>('change-reason')!
    reason.value = '申请人撤回申请'
    reason.dispatchEvent(new Event('input'))
    await flushPromises()
    expect(q<HTMLButtonElement>('change-confirm')!.disabled).toBe(true)
    q('withdraw-form')!.click()
    await flushPromises()
    expect(backend.intake.withdrawForms).toEqual(['case-1'])
    q('withdraw-capture')!.click()
    await flushPromises()
    q('camera-capture')!.click()
    await flushPromises()
    q('camera-attach')!.click()
    await flushPromises()
    expect(q('withdraw-captured')!.textContent).toContain('已拍摄撤件申请')
    expect(q('camera-panel')).toBeNull()
    q('change-confirm')!.click()
    await flushPromises()
    const c = backend.intake.cases.get('case-1')!
    expect(c.state).toBe('withdrawn')
    expect(c.changes[0]?.files?.[0]?.name).toBe('撤件申请.pdf')
    expect(backend.camera.attached).toEqual(['撤件申请'])
  })

  it('e9_an_instant_case_is_closed_from_the_history_detail', async () => {
    const { w, backend } = await workbench()
    await pickByKeys(w)
    await key('1')
    await key('F6', {}, window)
    await key('F7', {}, window)
    await key('F8', {}, window)
    await key('F10', {}, window)
    await key('3', { altKey: true, code: 'Digit3' }, window)
    await flushPromises()
    await w.find(testid('history-row')).trigger('click')
    await flushPromises()
    const q = <T extends HTMLElement>(id: string) => document.querySelector<T>(testid(id))
    q('detail-conclude-confirm')!.click()
    await flushPromises()
    expect(q('detail-concluded')!.getAttribute('data-result')).toBe('approved')
    expect(q('detail-concluded')!.textContent).toContain('准予许可')
    expect(q('detail-conclude')).toBeNull()
    expect(backend.intake.cases.get('case-1')!.conclusion?.result).toBe('approved')
  })
})
