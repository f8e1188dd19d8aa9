import { describe, expect, it } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import App from '../src/clerk/App.vue'
import CitizenApp from '../src/citizen/CitizenApp.vue'
import { MemoryBackend, sampleStatus } from '../src/backend/memory'
import type { LoginKey } from '../src/bindings'
import { mountWith } from './mount'

function skfKey(): LoginKey {
  return {
    id: 'SKFSIM-0001',
    label: '钱七的UKey',
    manufacturer: '测试CA',
    backend: 'skf',
    library: 'libskf.so',
    pin: { max_retries: 6, retries_left: 6, locked: false, count_low: false, default_pin: false },
    certificates: [
      { id: 'c#sign', subject_cn: '钱七', issuer: 'SM2 CA', serial: '1000', not_after: 2e9, authentication: false, signing: true, expired: false, preferred: false },
      { id: 'c#auth', subject_cn: '钱七', issuer: 'SM2 CA', serial: '1001', not_after: 2e9, authentication: true, signing: false, expired: false, preferred: true },
    ],
  }
}

describe('UKey login', () => {
  it('preselects the authentication certificate, shows retries left on a wrong PIN, then logs in', async () => {
    const backend = new MemoryBackend()
    backend.keys = [skfKey()]
    backend.pins['SKFSIM-0001'] = '12345678'
    const w = await mountWith(App, backend)
    expect(w.find('[data-testid="login-no-key"]').exists()).toBe(false)
    expect(w.find('[data-testid="login-retries"]').text()).toBe('PIN码剩余重试次数：6/6')

    await w.find('input[data-testid="login-pin"]').setValue('000000')
    await w.find('[data-testid="login-submit"]').trigger('click')
    await flushPromises()
    expect(w.find('[data-testid="login-error"]').text()).toContain('PIN码错误，还可重试5次')
    expect(w.find('[data-testid="login-retries"]').text()).toBe('PIN码剩余重试次数：5/6')

    await w.find('input[data-testid="login-pin"]').setValue('12345678')
    await w.find('[data-testid="login-submit"]').trigger('click')
    await flushPromises()
    expect(w.find('[data-testid="workbench-clerk"]').text()).toContain('钱七')
    expect(w.find('[data-testid="status-clerk"]').text()).toBe('受理人：钱七')
  })

  it('locks both windows when the key is pulled and unlocks with the PIN', async () => {
    const backend = new MemoryBackend(
      sampleStatus({
        clerk: { id: 'c-SKFSIM-0001', name: '钱七', department: '户政科', post: '', permissions: ['accept', 'query', 'export', 'reprint', 'change'], items: { kind: 'all' }, mode: 'online', ukey_default_pin: false },
      }),
    )
    backend.keys = [skfKey()]
    backend.pins['SKFSIM-0001'] = '12345678'
    const clerk = await mountWith(App, backend)
    const citizen = await mountWith(CitizenApp, backend)
    backend.push({ locked: true })
    await flushPromises()
    expect(clerk.find('[data-testid="lock-screen"]').text()).toContain('请插入 钱七 的UKey')
    expect(citizen.find('[data-testid="citizen-paused"]').text()).toContain('暂停服务')

    await clerk.find('input[data-testid="unlock-pin"]').setValue('12345678')
    await clerk.find('[data-testid="unlock-submit"]').trigger('click')
    await flushPromises()
    expect(clerk.find('[data-testid="lock-screen"]').exists()).toBe(false)
    expect(citizen.find('[data-testid="citizen-idle"]').exists()).toBe(true)
  })
})
