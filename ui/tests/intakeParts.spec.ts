// The intake page's components, each over the intake store and the in-memory backend.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia } from 'pinia'
import ElementPlus from 'element-plus'
import type { Component } from 'vue'
import DecisionBar from '../src/intake/DecisionBar.vue'
import HistoryPage from '../src/intake/HistoryPage.vue'
import ItemForm from '../src/intake/ItemForm.vue'
import ItemSearch from '../src/intake/ItemSearch.vue'
import MaterialChecklist from '../src/intake/MaterialChecklist.vue'
import PartyForms from '../src/intake/PartyForms.vue'
import SituationQuestions from '../src/intake/SituationQuestions.vue'
import { installBackend } from '../src/backend'
import { MemoryBackend } from '../src/backend/memory'
import { sampleItems } from '../src/backend/memoryIntake'
import { useIntakeStore } from '../src/stores/intake'
import { useLabelsStore } from '../src/stores/labels'

const mounted: VueWrapper[] = []
afterEach(() => {
  while (mounted.length) mounted.pop()!.unmount()
})

/** Mounts one component with the labels loaded and, unless `pick` is false, 户籍证明 open. */
async function part(component: Component, { pick = true, answer = false } = {}) {
  const backend = new MemoryBackend()
  const pinia = createPinia()
  const w = mount(component, {
    attachTo: document.body,
    global: { plugins: [pinia, ElementPlus, { install: (app) => installBackend(app, backend) }] },
  })
  mounted.push(w)
  const intake = useIntakeStore(pinia)
  await useLabelsStore(pinia).load(backend)
  if (pick) await intake.pick(sampleItems[0].code)
  if (answer) await intake.answer('q1', 0)
  await flushPromises()
  return { w, backend, intake }
}

describe('item search', () => {
  it('lists hits per keystroke; arrows move, Enter picks, the text clears', async () => {
    const { w, intake } = await part(ItemSearch, { pick: false })
    const input = w.find('[data-testid="item-search"]')
    await input.setValue('户籍')
    await flushPromises()
    expect(w.findAll('[data-testid="item-hit"]').map((h) => h.attributes('data-code'))).toEqual(['GA-HJ-0301'])
    await input.trigger('keydown', { key: 'ArrowDown' })
    expect(w.find('[data-testid="item-hit"]').classes()).toContain('active')
    await input.trigger('keydown', { key: 'Enter' })
    await flushPromises()
    expect(intake.item?.name).toBe('户籍证明')
    expect((input.element as HTMLInputElement).value).toBe('')
    expect(w.find('[data-testid="item-hits"]').exists()).toBe(false)
  })

  it('lists nothing while nothing is typed (the home does) and ↓ hands over to the home', async () => {
    const { w, intake } = await part(ItemSearch, { pick: false })
    const hit = { code: 'GA-HJ-0301', name: '户籍证明', department: '公安局', kind: '公共服务', promised_days: 0, instant: true, deferrable: false, matched: '', favourite: true }
    intake.home = { favourites: [hit], frequent: [hit], recent: [], departments: [], version: 'v', items: 1 }
    await flushPromises()
    expect(w.find('[data-testid="item-hits"]').exists()).toBe(false)
    await w.find('[data-testid="item-search"]').trigger('keydown', { key: 'ArrowDown' })
    expect(w.emitted('down')).toHaveLength(1)
  })
})

describe('situation questions', () => {
  it('shows the question the backend gives, answers by click and undoes an answer', async () => {
    const { w, backend, intake } = await part(SituationQuestions)
    const asked = vi.spyOn(backend.intake, 'currentQuestion')
    expect(w.find('.question').text()).toContain('申请人与被证明人的关系？')
    const options = w.findAll('[data-testid="situation-option"]')
    expect(options.map((o) => o.text())).toEqual(['1. 本人申请', '2. 近亲属代为申请'])
    await options[1].trigger('click')
    await flushPromises()
    expect(asked).toHaveBeenCalled()
    expect(w.find('[data-testid="situation-option"]').exists()).toBe(false)
    expect(w.find('[data-testid="situation-name"]').text()).toBe('近亲属代为申请')
    expect(w.find('.answered').text()).toContain('近亲属代为申请')
    await w.find('.answered button').trigger('click')
    await flushPromises()
    expect(intake.draft?.answers).toEqual([])
    expect(w.findAll('[data-testid="situation-option"]')).toHaveLength(2)
  })
})

describe('intake store', () => {
  it('shows the question together with the case, never a stale one', async () => {
    const { intake } = await part(SituationQuestions, { pick: false })
    expect(await intake.pick(sampleItems[0].code)).toBe(true)
    expect([intake.item?.code, intake.question?.id]).toEqual(['GA-HJ-0301', 'q1'])
    await intake.answer('q1', 0)
    expect([intake.draft?.situation_id, intake.question]).toEqual(['s1', null])
  })
})

describe('party forms', () => {
  it('adds and drops the agent and pickup, flags a typed ID, fills from the card', async () => {
    const { w, backend, intake } = await part(PartyForms)
    expect(w.find('[data-testid="party-agent"]').exists()).toBe(false)
    await w.find('[data-testid="has-agent"]').setValue(true)
    expect(intake.draft?.agent?.name).toBe('')
    expect(w.find('[data-testid="party-agent"]').exists()).toBe(true)
    await w.find('[data-testid="has-agent"]').setValue(false)
    expect(intake.draft?.agent).toBeNull()
    await w.find('[data-testid="has-pickup"]').setValue(true)
    expect(w.find('[data-testid="party-pickup"]').exists()).toBe(true)

    await w.find('[data-testid="applicant-id"]').setValue('110101198503120035')
    expect(w.find('[data-testid="applicant-source"]').text()).toBe('手工录入')
    backend.intake.card = { name: '张伟', id_number: '110101198503120035', id_source: 'card', sex: '男', nation: '汉', birth: '1985-03-12', address: '', phone: '' }
    await w.find('[data-testid="applicant-phone"]').setValue('13800138000')
    await w.find('[data-testid="card-applicant"]').trigger('click')
    await flushPromises()
    expect(w.find('[data-testid="applicant-source"]').text()).toBe('读卡')
    expect(intake.draft?.applicant.phone).toBe('13800138000')
    expect(w.find('[data-testid="applicant-id"]').attributes('readonly')).toBeDefined()
  })

  it('e2 takes a company applicant: name, a USCC checked as typed, its legal representative from the card', async () => {
    const { w, backend, intake } = await part(PartyForms, { answer: true })
    const checked = vi.spyOn(backend.intake, 'checkUscc')
    // The choice and its names come from the workstation's tables.
    expect(w.find('[data-testid="applicant-kind"]').text()).toContain('申请人类型')
    expect(w.find('[data-testid="party-organisation"]').exists()).toBe(false)
    await w.find('[data-testid="applicant-kind-organisation"]').setValue(true)
    await flushPromises()
    expect(intake.draft?.organisation).toEqual({ name: '', uscc: '' })
    expect(document.activeElement).toBe(w.find('[data-testid="org-name"]').element)
    expect(w.find('[data-testid="party-organisation"]').text()).toContain('统一社会信用代码')
    expect(w.find('h3').text()).toContain('法定代表人')
    expect(w.find('[data-testid="has-agent"]').element.parentElement?.textContent).toContain('经办人')
    expect(intake.step).toBe('applicant')

    await w.find('[data-testid="org-name"]').setValue('汕尾市红海湾贸易有限公司')
    const uscc = w.find('[data-testid="org-uscc"]')
    // Not checked while fewer than 18 characters are typed.
    await uscc.setValue('91350100M000100Y4')
    await flushPromises()
    expect(checked).not.toHaveBeenCalled()
    expect(w.find('[data-testid="org-uscc-error"]').exists()).toBe(false)
    // A wrong check character: the workstation's sentence under the field.
    await uscc.setValue('91350100M000100Y44')
    await flushPromises()
    expect(w.find('[data-testid="org-uscc-error"]').text()).toBe(backend.intake.usccRefusal)
    expect(uscc.attributes('aria-invalid')).toBe('true')
    // Leaving a short code says so too.
    await uscc.setValue('9135')
    await uscc.trigger('blur')
    await flushPromises()
    expect(w.find('[data-testid="org-uscc-error"]').exists()).toBe(true)
    // Typed in lower case: taken, and kept as the standard writes it.
    await uscc.setValue('91350100m000100y43')
    await flushPromises()
    expect(w.find('[data-testid="org-uscc-error"]').exists()).toBe(false)
    expect(intake.draft?.organisation?.uscc).toBe('91350100M000100Y43')

    // The legal representative from the card, as any applicant.
    backend.intake.card = { name: '张伟', id_number: '110101198503120035', id_source: 'card', sex: '男', nation: '汉', birth: '1985-03-12', address: '', phone: '' }
    await w.find('[data-testid="card-applicant"]').trigger('click')
    await flushPromises()
    expect(intake.draft?.applicant.name).toBe('张伟')
    expect(w.find('[data-testid="applicant-source"]').text()).toBe('读卡')
    expect(intake.step).toBe('materials')

    // Back to a person: no organisation, no message.
    await w.find('[data-testid="applicant-kind-person"]').setValue(true)
    await flushPromises()
    expect(intake.draft?.organisation).toBeNull()
    expect(w.find('[data-testid="party-organisation"]').exists()).toBe(false)
    expect(w.find('h3').text()).toContain('申请人')
  })
})

describe('item form', () => {
  it("shows the item's fields with their defaults", async () => {
    const { w, intake } = await part(ItemForm)
    const select = w.find('[data-field="purpose"] select')
    expect((select.element as HTMLSelectElement).value).toBe('其他')
    await select.setValue('入学')
    expect(intake.draft?.form.purpose).toBe('入学')
  })
})

describe('material checklist', () => {
  it('offers the receipt forms named by the backend, counts missing materials, receives all', async () => {
    const { w, intake } = await part(MaterialChecklist, { answer: true })
    expect(w.findAll('[data-testid="material-row"]')).toHaveLength(2)
    expect(w.find('.missing').text()).toBe('必要材料未收：2 项')
    expect(w.find('[data-testid="material-received"]').findAll('option').map((o) => o.text())).toEqual(['未收取', '纸质原件', '复印件', '电子材料', '高拍仪采集'])
    await w.find('[data-testid="material-received"]').setValue('copy')
    expect(w.find('.missing').text()).toBe('必要材料未收：1 项')
    await w.find('[data-testid="receive-all"]').trigger('click')
    expect(intake.draft?.materials.map((m) => [m.received, m.pages])).toEqual([['copy', 0], ['paper', 1]])
    expect(w.find('.missing').exists()).toBe(false)
    await w.find('[data-testid="material-camera"]').trigger('click')
    expect(intake.cameraFor).toMatchObject({ mode: 'capture', material: { material_id: 'm1' } })
  })
})

describe('decision bar', () => {
  it('names the decisions as the backend does and waits for the notice', async () => {
    const { w, intake } = await part(DecisionBar, { answer: true })
    expect(w.findAll('.kind').map((k) => k.text())).toEqual(['受理', '容缺受理', '补正补齐', '不予受理'])
    expect(w.find('[data-testid="kind-deferred"]').attributes('disabled')).toBeDefined()
    // Required materials are missing: the decision suggested is a supplement.
    expect(intake.kind).toBe('supplement')
    expect(w.find('[data-testid="decide"]').text()).toBe('确认补正补齐（F10）')
    await w.find('[data-testid="kind-reject"]').setValue(true)
    expect(w.find('[data-testid="decision-reason"]').attributes('placeholder')).toBe('不予受理理由（必填）')
    expect(w.find('[data-testid="decide"]').attributes('disabled')).toBeDefined()
    await w.find('[data-testid="print-notice"]').trigger('click')
    await w.find('[data-testid="park"]').trigger('click')
    expect(w.emitted()).toHaveProperty('print')
    expect(w.emitted()).toHaveProperty('park')
    expect(await intake.printNotice()).toBe(true)
    await flushPromises()
    expect(w.find('[data-testid="decide"]').attributes('disabled')).toBeUndefined()
    await w.find('[data-testid="decide"]').trigger('click')
    expect(w.emitted()).toHaveProperty('decide')
  })
})

describe('labels', () => {
  it('are loaded once from the backend and name the history states', async () => {
    const backend = new MemoryBackend()
    const labels = vi.spyOn(backend.intake, 'labels')
    const pinia = createPinia()
    const w = mount(HistoryPage, { global: { plugins: [pinia, ElementPlus, { install: (app) => installBackend(app, backend) }] } })
    mounted.push(w)
    await flushPromises()
    await useLabelsStore(pinia).load(backend)
    expect(labels).toHaveBeenCalledTimes(1)
    expect(w.find('[data-testid="history-state"]').findAll('option').map((o) => o.text())).toEqual(['全部状态', '已受理', '容缺受理', '不予受理', '补正补齐', '已撤回'])
  })
})

describe('history trail (I3)', () => {
  it('i3_trail_shows_the_clerks_name_in_hall_time', async () => {
    const backend = new MemoryBackend()
    const it = sampleItems[0]
    const d = await backend.intake.newDraft(it.code)
    if (d.status !== 'ok') throw new Error('no draft')
    const saved = await backend.intake.save(d.data)
    if (saved.status !== 'ok') throw new Error('not saved')
    const decision = { kind: 'reject' as const, reason: '不属于本机关职权范围', promise: '', deadline: null }
    await backend.intake.printNotice(saved.data.draft, decision)
    await backend.intake.decide(saved.data.id, decision)
    // 00:34 UTC is 08:34 in the hall.
    const at = Date.UTC(2026, 10, 23, 0, 34)
    vi.spyOn(backend.intake, 'trail').mockResolvedValue({
      status: 'ok',
      data: [{ at, actor: 'T-QQ', actor_name: '钱七', action: 'intake.decide', label: '受理决定', detail: '{}' }],
    })
    const w = mount(HistoryPage, { global: { plugins: [createPinia(), ElementPlus, { install: (app) => installBackend(app, backend) }] } })
    mounted.push(w)
    await flushPromises()
    await w.find('[data-testid="history-row"]').trigger('click')
    await flushPromises()
    const entry = w.find('[data-testid="trail-entry"]').text()
    expect(entry).toContain('2026-11-23 08:34')
    expect(entry).toContain('（钱七）')
    expect(entry).not.toContain('T-QQ')
  })
})
