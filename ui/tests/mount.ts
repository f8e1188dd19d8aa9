// Mounts a page the way main.ts does, but over the in-memory backend.
import { mount, flushPromises } from '@vue/test-utils'
import { vi } from 'vitest'
import { createPinia } from 'pinia'
import ElementPlus from 'element-plus'
import type { Component } from 'vue'
import { installBackend } from '../src/backend'
import type { MemoryBackend } from '../src/backend/memory'

export async function mountWith(component: Component, backend: MemoryBackend) {
  const wrapper = mount(component, {
    global: {
      plugins: [createPinia(), ElementPlus, { install: (app) => installBackend(app, backend) }],
    },
  })
  // A page reports itself rendered once it has loaded its state and painted.
  await vi.waitFor(() => {
    if (backend.rendered.length === 0) throw new Error('page did not report rendered')
  })
  await flushPromises()
  return wrapper
}
