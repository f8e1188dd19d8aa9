// 部门协查 in the window (L4) over the in-memory backend: the page behind Alt+8 for a clerk who
// takes cases in (发起协查, 我的协查: 接收并验章, 作为材料, 打印) and for a clerk of the providing
// department (协查待办: the proof, the seal dialog with its PIN count-down, 退回). Labels and
// sentences are the backend's.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, type Pinia } from 'pinia'
import ElementPlus from 'element-plus'
import ClerkWorkbench from '../src/clerk/ClerkWorkbench.vue'
import { installBackend } from '../src/backend'
import { MemoryBackend, sampleStatus } from '../src/backend/memory'
import { sampleItems } from '../src/backend/memoryIntake'
import type { CitizenCard, Permission } from '../src/bindings'
import { useCardStore } from '../src/stores/card'
import { useIntakeStore } from '../src/stores/intake'

if (!URL.createObjectURL) {
  URL.createObjectURL = () => 'blob:test'
  URL.revokeObjectURL = () => {}
}

const mounted: VueWrapper[] = []
afterEach(() => {
  while (mounted.length) mounted.pop()!.unmount()
  document.body.innerHTML = ''
})

const t = (id: string) => `[data-testid="${id}"]`

async function workbench(permissions: Permission[], department = '综合受理窗口'): Promise<{ w: VueWrapper; backend: MemoryBackend; pinia: Pinia }> {
  const backend = new MemoryBackend()
  const status = sampleStatus({
    clerk: { id: 'c1', name: '钱七', department, post: '窗口', permissions, items: { kind: 'all' }, mode: 'online', ukey_default_pin: false },
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

async function alt8() {
  window.dispatchEvent(new KeyboardEvent('keydown', { key: '8', code: 'Digit8', altKey: true, bubbles: true, cancelable: true }))
  await flushPromises()
}

const card: CitizenCard = {
  identity: {
    kind: 'hk_macao_taiwan',
    name: '张伟',
    sex: 'male',
    birth: { year: 1985, month: 3, day: 12 },
    id_number: '810000198503120035',
    id_number_valid: true,
    valid_from: { year: 2019, month: 1, day: 1 },
    valid_until: { type: 'until', date: { year: 2034, month: 1, day: 1 } },
    details: { type: 'hk_macao_taiwan', address: '香港', issuer: '公安部出入境管理局', pass_number: 'H01234567', issue_count: 1 },
  },
  expired: false,
  photo_available: false,
  photo: null,
  photo_error: null,
}

async function click(w: VueWrapper, css: string) {
  await w.find(css).trigger('click')
  await flushPromises()
}

describe('部门协查 (L4)', () => {
  it('l4_accept_clerk_requests_a_proof_for_the_card_holder_receives_it_verified_and_takes_it_as_material', async () => {
    const { w, backend, pinia } = await workbench(['accept', 'query'])
    await alt8()
    expect(w.find(t('assist-page')).exists()).toBe(true)
    // A clerk without `assist` has no inbox.
    expect(w.findAll('[data-view]').map((b) => b.text())).toEqual(['发起协查', '我的协查', '验章'])

    // No card read: core's refusal, in its words.
    await w.find(t('assist-department')).setValue('某市公安局')
    await w.find(t('assist-item-search')).setValue('hjzm')
    await flushPromises()
    await click(w, t('assist-item-hit'))
    await w.find(t('assist-proofs')).setValue('无犯罪记录证明\n\n户籍证明')
    backend.assist.cardHolder = null
    await click(w, t('assist-send'))
    expect(w.find(t('assist-error')).text()).toBe('请先读取办事人身份证，再申请部门协查（禁止手工输入证件号码）。')

    // The card read: the request goes, 待处理, the proofs as lines.
    backend.assist.cardHolder = { name: '张伟', number: '110101198503120035' }
    useCardStore(pinia).card = card
    await flushPromises()
    expect(w.find(t('assist-holder')).text()).toContain('张伟')
    await click(w, t('assist-send'))
    expect(backend.assist.requests).toHaveLength(1)
    expect(backend.assist.requests[0]).toMatchObject({ to_department: '某市公安局', item_code: sampleItems[0].code, proofs: ['无犯罪记录证明', '户籍证明'] })
    expect(w.find(t('assist-notice')).text()).toContain('待处理')
    const row = () => w.find(`${t('assist-sent')} ${t('assist-row')}`)
    expect(row().text()).toContain('待处理')
    // The filter tabs carry the Rust labels.
    expect(w.findAll(`${t('assist-sent')} ${t('assist-filters')} [data-state]`).map((b) => b.text())).toEqual(['全部', '待发送', '待处理', '待盖章', '已盖章', '已退回'])

    // The other department stamps it; 接收并验章 says who and that it is unchanged.
    const id = backend.assist.requests[0].id
    await backend.assist.writeProof(id, { title: null, body: '经查，无犯罪记录。' })
    await backend.assist.stamp(id, '111111', {})
    await click(w, t('assist-refresh'))
    expect(row().attributes('data-state')).toBe('sealed')
    await click(w, t('assist-open'))
    await click(w, t('assist-receive'))
    const verdict = w.find(t('assist-verdict'))
    expect(verdict.attributes('data-valid')).toBe('true')
    expect(verdict.text()).toContain('某市公安局 于 2026年12月07日 10:30 盖章，文件自盖章后未被修改。')
    await click(w, t('assist-print'))
    expect(backend.assist.printed).toEqual([{ id, which: 'request' }])

    // Altered after the seal: the sentence says so, and it cannot be a material.
    const intake = useIntakeStore(pinia)
    await intake.pick(sampleItems[0].code)
    await intake.answer('q1', 0)
    await flushPromises()
    backend.assist.altered = true
    await click(w, t('assist-receive'))
    expect(w.find(t('assist-verdict')).attributes('data-valid')).toBe('false')
    expect(w.find(t('assist-verdict')).text()).toContain('文件在盖章后被修改')
    const m = intake.draft!.materials[0]
    await w.find(t('assist-material')).setValue(m.material_id)
    await click(w, t('assist-take'))
    expect(w.find(t('assist-error')).text()).toContain('被修改')
    expect(m.files).toEqual([])

    // Unchanged: the stamped proof joins the material as 电子材料.
    backend.assist.altered = false
    await click(w, t('assist-take'))
    expect(m.received).toBe('electronic')
    expect(m.files.map((f) => f.sha256)).toEqual(['sha-stamped'])
    expect(w.find(t('assist-notice')).text()).toContain(`「${m.name}」的电子材料`)
  })

  it('l4_a_request_made_offline_waits_as_queued_and_is_sent_later', async () => {
    const { w, backend, pinia } = await workbench(['accept'])
    useCardStore(pinia).card = card
    backend.assist.offline = true
    await alt8()
    await w.find(t('assist-department')).setValue('某市民政局')
    await w.find(t('assist-item-search')).setValue('hjzm')
    await flushPromises()
    await click(w, t('assist-item-hit'))
    await w.find(t('assist-proofs')).setValue('婚姻登记记录证明')
    await click(w, t('assist-send'))
    expect(w.find(t('assist-notice')).text()).toContain('待网络恢复后发送（待发送）')
    const row = () => w.find(`${t('assist-sent')} ${t('assist-row')}`)
    expect(row().attributes('data-state')).toBe('queued')
    expect(row().text()).toContain('待发送')
    backend.assist.offline = false
    await click(w, t('assist-flush'))
    expect(w.find(t('assist-notice')).text()).toBe('已发送 1 件待发送的协查申请。')
    expect(row().attributes('data-state')).toBe('pending')
    expect(w.find(t('assist-flush')).exists()).toBe(false)
  })

  it('l4_assist_clerk_writes_the_proof_and_stamps_it_a_wrong_seal_pin_counts_down_or_returns_it', async () => {
    const { w, backend } = await workbench(['assist'], '某市公安局')
    const draft = { to_department: '某市公安局', item_code: 'GA-HJ-0301', item_name: '户籍证明', organisation: null, proofs: ['无犯罪记录证明'], note: '' }
    await backend.assist.request(draft)
    await backend.assist.request({ ...draft, organisation: { code: '91441500MA4UABCD1X', name: '某某有限公司' } })
    // The only page of an `assist`-only clerk; Alt+8 opens it on the inbox.
    expect(w.findAll('[data-menu]').map((b) => b.attributes('data-menu'))).toContain('assist')
    await alt8()
    expect(w.findAll('[data-view]').map((b) => b.text())).toEqual(['协查待办', '验章'])
    // Requests that came while the page was open: 刷新.
    await click(w, t('assist-refresh'))
    const rows = w.findAll(`${t('assist-inbox')} ${t('assist-row')}`)
    expect(rows.map((r) => r.attributes('data-state'))).toEqual(['pending', 'pending'])
    expect(rows[1].text()).toContain('某某有限公司（统一社会信用代码 91441500MA4UABCD1X，经办人 张三）')

    await rows[0].find(t('assist-open')).trigger('click')
    await flushPromises()
    expect(w.find(t('assist-stamp')).attributes('disabled')).toBeDefined()
    // A file that is not a PDF: core's refusal.
    const input = w.find(t('assist-proof-file'))
    Object.defineProperty(input.element, 'files', { value: [new File(['hello'], 'proof.txt')] })
    await input.trigger('change')
    await vi.waitFor(() => expect(w.find(t('assist-error')).text()).toBe('证明文件须为PDF格式。'))
    expect(w.find(t('assist-detail')).attributes('data-state')).toBe('pending')
    await w.find(t('assist-proof-body')).setValue('经查，该申请人在本辖区内无犯罪记录。')
    await click(w, t('assist-write-proof'))
    expect(w.find(t('assist-detail')).attributes('data-state')).toBe('awaiting_seal')
    expect(w.find(t('assist-proof-ready')).exists()).toBe(true)

    // The seal dialog: the key with its department and tries left; a wrong PIN counts down.
    await click(w, t('assist-stamp'))
    const dialog = () => document.querySelector('[data-testid="seal-dialog"]') ?? document.body
    const q = (id: string) => dialog().querySelector(t(id)) as HTMLElement | null
    expect(q('seal-key')?.textContent).toContain('某市公安局 · SM2')
    expect(q('seal-key')?.textContent).toContain('PIN剩余尝试 6 次')
    const pin = q('seal-pin') as HTMLInputElement
    pin.value = '000000'
    pin.dispatchEvent(new Event('input'))
    await flushPromises()
    q('seal-confirm')!.click()
    await flushPromises()
    expect(q('seal-error')?.textContent).toBe('印章PIN码错误，还可尝试5次；次数用完后印章UKey将被锁定。')
    expect(q('seal-key')?.textContent).toContain('PIN剩余尝试 5 次')
    expect(w.find(t('assist-detail')).attributes('data-state')).toBe('awaiting_seal')

    pin.value = '111111'
    pin.dispatchEvent(new Event('input'))
    await flushPromises()
    q('seal-confirm')!.click()
    await flushPromises()
    expect(w.find(t('assist-detail')).attributes('data-state')).toBe('sealed')
    expect(w.find(t('assist-sealed-by')).text()).toContain('某市公安局')
    expect(w.find(t('assist-state')).text()).toBe('已盖章')
    expect(w.find(t('assist-handle')).exists()).toBe(false)

    // The second: 退回 with a reason, seen as 已退回.
    await w.findAll(`${t('assist-inbox')} ${t('assist-row')}`)[1].find(t('assist-open')).trigger('click')
    await flushPromises()
    expect(w.find(t('assist-return')).attributes('disabled')).toBeDefined()
    await w.find(t('assist-return-reason-input')).setValue('本单位无该单位记录')
    await click(w, t('assist-return'))
    expect(w.find(t('assist-state')).text()).toBe('已退回')
    expect(w.find(t('assist-return-reason')).text()).toBe('本单位无该单位记录')
    expect(w.findAll(`${t('assist-inbox')} ${t('assist-row')}`)[1].attributes('data-state')).toBe('returned')
  })

  it('a7_a_pdf_opened_for_验章_is_verified_and_an_altered_one_reported', async () => {
    const { w, backend } = await workbench(['accept'])
    await alt8()
    await click(w, '[data-view="verify"]')
    const input = w.find(t('seal-verify-file'))
    const choose = async (bytes: number[]) => {
      const file = new File([new Uint8Array(bytes)], '证明.pdf', { type: 'application/pdf' })
      Object.defineProperty(input.element, 'files', { value: [file], configurable: true })
      await input.trigger('change')
      await vi.waitFor(() => expect(w.find(t('seal-verify-result')).exists() || w.find(t('seal-verify-error')).exists()).toBe(true))
    }
    await choose([0x25, 0x50, 0x44, 0x46])
    expect(w.find(t('seal-verdict')).attributes('data-valid')).toBe('true')
    backend.assist.altered = true
    await choose([0x25, 0x50, 0x44, 0x46, 0x2d])
    await vi.waitFor(() => expect(w.find(t('seal-verdict')).attributes('data-valid')).toBe('false'))
    expect(w.find(t('seal-verdict')).text()).toContain('被修改')
  })
})
