// The workstation's shell state as the UI sees it: app info (once) and the live status bar.
import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { AppInfo, ShellStatus } from '../bindings'
import type { Backend, Unsubscribe } from '../backend'

export const useShellStore = defineStore('shell', () => {
  const info = ref<AppInfo | null>(null)
  const status = ref<ShellStatus | null>(null)
  let unsubscribe: Unsubscribe | null = null

  async function start(backend: Backend) {
    // Subscribe first, so a change between the two calls is not lost.
    unsubscribe ??= await backend.onShellStatus((s) => (status.value = s))
    const [i, s] = await Promise.all([backend.appInfo(), backend.shellStatus()])
    info.value = i
    status.value ??= s
  }

  function stop() {
    unsubscribe?.()
    unsubscribe = null
  }

  return { info, status, start, stop }
})
