import { inject, type App, type InjectionKey } from 'vue'
import type { Backend } from './backend'

export type { Backend, Result, Unsubscribe } from './backend'

const key: InjectionKey<Backend> = Symbol('backend')

export function installBackend(app: App, backend: Backend) {
  app.provide(key, backend)
}

export function useBackend(): Backend {
  const backend = inject(key)
  if (!backend) throw new Error('Backend not installed')
  return backend
}

/**
 * Resolves after the next two animation frames, i.e. once the current view has painted.
 * A window that is fully covered (the citizen window under the clerk window on a single
 * screen) gets no animation frames from WebKit, so give up waiting after `maxMs`.
 */
export function afterPaint(maxMs = 500): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, maxMs)
    requestAnimationFrame(() =>
      requestAnimationFrame(() => {
        clearTimeout(timer)
        resolve()
      }),
    )
  })
}
