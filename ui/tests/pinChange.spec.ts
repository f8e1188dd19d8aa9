// A2 and A3 in the clerk window: keys of several libraries named in the login list, a library
// that did not load reported; the initial-PIN warning after login and the PIN change dialog.
import { describe, expect, it } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import App from '../src/clerk/App.vue'
import { MemoryBackend } from '../src/backend/memory'
import type { LoginKey } from '../src/bindings'
import { canSubmitPinChange, pinRule, pinRuleError } from '../src/clerk/pinRules'
import UkeyLibraries from '../src/clerk/UkeyLibraries.vue'
import { mount } from '@vue/test-utils'
import { createPinia } from 'pinia'
import ElementPlus from 'element-plus'
import { installBackend } from '../src/backend'
import { mountWith } from './mount'

function key(id: string, cn: string, library: string, defaultPin: boolean): LoginKey {
  return {
    id,
    label: `${cn}的UKey`,
    manufacturer: '测试CA',
    backend: library.includes('skf') ? 'skf' : 'pkcs11',
    library,
    pin: { max_retries: 6, retries_left: 6, locked: false, count_low: false, default_pin: defaultPin },
    certificates: [
      { id: `${id}#auth`, subject_cn: cn, issuer: 'CA', serial: '1', not_after: 2e9, authentication: true, signing: true, expired: false, preferred: true },
    ],
  }
}

describe('new PIN rules (A3)', () => {
  it('wants 6–16 characters, not the old PIN, not one character repeated, typed twice the same', () => {
    expect(pinRule('12345678', '24681357', '24681357')).toBeNull()
    expect(pinRule('12345678', '12345', '12345')?.code).toBe('ukey.new_pin_length')
    expect(pinRule('12345678', '1'.repeat(17) + '2', '')?.code).toBe('ukey.new_pin_length')
    expect(pinRule('12345678', '12345678', '12345678')?.code).toBe('ukey.new_pin_same_as_old')
    expect(pinRule('12345678', '666666', '666666')?.code).toBe('ukey.new_pin_trivial')
    expect(pinRule('12345678', '24681357', '24681375')?.code).toBe('ukey.new_pin_mismatch')
    expect(pinRuleError('12345678', '666666', '666666')).toContain('同一个数字')
    expect(canSubmitPinChange('', '24681357', '24681357')).toBe(false)
    expect(canSubmitPinChange('12345678', '24681357', '24681357')).toBe(true)
  })
})

describe('several UKey libraries at the desk (A2)', () => {
  it('lists the keys of every library with its name and reports the one that did not load', async () => {
    const backend = new MemoryBackend()
    backend.keys = [key('0:HSM-1', '张三', 'libsofthsm2.so', false), key('1:YCSIM', '钱七', '乙CA（SKF）', false)]
    backend.libraries = [
      { name: 'libsofthsm2.so', backend: 'pkcs11', module: '/usr/lib/softhsm/libsofthsm2.so', error: null, detail: null },
      { name: '乙CA（SKF）', backend: 'skf', module: '/opt/b/libskf.so', error: null, detail: null },
      { name: '丙CA', backend: 'skf', module: '/opt/c/libskf.so', error: 'UKey驱动（模块）未找到或加载失败，请联系运维人员安装UKey驱动。', detail: 'x' },
    ]
    const w = await mountWith(App, backend)
    const failed = w.findAll('[data-testid="login-library-error"]')
    expect(failed).toHaveLength(1)
    expect(failed[0].text()).toContain('丙CA：UKey驱动')
    expect(w.find('[data-testid="login-no-key"]').exists()).toBe(false)
    // Both keys are choices; the labels name the library.
    const labels = w.findAllComponents({ name: 'ElOption' }).map((o) => o.props('label') as string)
    expect(labels.some((l) => l.includes('张三') && l.includes('libsofthsm2.so'))).toBe(true)
    expect(labels.some((l) => l.includes('钱七') && l.includes('乙CA（SKF）'))).toBe(true)
  })
})

describe('UKey libraries on the device panel (A2)', () => {
  it('lists every library, the one that did not load with its Chinese reason', async () => {
    const backend = new MemoryBackend()
    backend.libraries = [
      { name: 'libsofthsm2.so', backend: 'pkcs11', module: '/usr/lib/softhsm/libsofthsm2.so', error: null, detail: null },
      { name: '丙CA', backend: 'skf', module: '/opt/c/libskf.so', error: 'UKey驱动（模块）未找到或加载失败，请联系运维人员安装UKey驱动。', detail: 'x' },
    ]
    const w = mount(UkeyLibraries, {
      global: { plugins: [createPinia(), ElementPlus, { install: (app) => installBackend(app, backend) }] },
    })
    await flushPromises()
    const rows = w.findAll('[data-testid="ukey-library"]')
    expect(rows.map((r) => r.attributes('data-loaded'))).toEqual(['true', 'false'])
    expect(rows[0].text()).toContain('已加载')
    expect(rows[1].text()).toContain('丙CA')
    expect(rows[1].text()).toContain('UKey驱动（模块）未找到')
  })
})

describe('PIN change (A3)', () => {
  it('warns about the initial PIN after login and changes it in the dialog', async () => {
    const backend = new MemoryBackend()
    backend.keys = [key('YCSIM', '钱七', 'libskf.so', true)]
    backend.pins['YCSIM'] = '12345678'
    const w = await mountWith(App, backend)
    await w.find('input[data-testid="login-pin"]').setValue('12345678')
    await w.find('[data-testid="login-submit"]').trigger('click')
    await flushPromises()
    const warning = w.find('[data-testid="pin-default-warning"]')
    expect(warning.text()).toContain('UKey仍使用初始PIN，请立即修改')

    await w.find('[data-testid="pin-default-change"]').trigger('click')
    await flushPromises()
    const submit = () => w.find('[data-testid="pin-change-submit"]')
    // A rule break is said as it is typed, and the form is not sent.
    await w.find('input[data-testid="pin-old"]').setValue('00000000')
    await w.find('input[data-testid="pin-new"]').setValue('888888')
    await w.find('input[data-testid="pin-confirm"]').setValue('888888')
    expect(w.find('[data-testid="pin-change-rule"]').text()).toContain('同一个数字')
    expect(submit().attributes('disabled')).toBeDefined()

    // A wrong old PIN: the key's answer with the retries left.
    await w.find('input[data-testid="pin-new"]').setValue('24681357')
    await w.find('input[data-testid="pin-confirm"]').setValue('24681357')
    await submit().trigger('click')
    await flushPromises()
    expect(w.find('[data-testid="pin-change-error"]').text()).toContain('PIN码错误，还可重试5次')

    await w.find('input[data-testid="pin-old"]').setValue('12345678')
    await submit().trigger('click')
    await flushPromises()
    expect(w.find('[data-testid="pin-change-ok"]').exists()).toBe(true)
    expect(backend.pins['YCSIM']).toBe('24681357')
    expect(w.find('[data-testid="pin-default-warning"]').exists()).toBe(false)
  })

  it('is reachable from the menu when the PIN is not the initial one', async () => {
    const backend = new MemoryBackend()
    backend.keys = [key('YCSIM', '钱七', 'libskf.so', false)]
    backend.pins['YCSIM'] = '12345678'
    const w = await mountWith(App, backend)
    await w.find('input[data-testid="login-pin"]').setValue('12345678')
    await w.find('[data-testid="login-submit"]').trigger('click')
    await flushPromises()
    expect(w.find('[data-testid="pin-default-warning"]').exists()).toBe(false)
    await w.find('[data-testid="open-pin-change"]').trigger('click')
    await flushPromises()
    expect(w.find('input[data-testid="pin-old"]').exists()).toBe(true)
  })
})
