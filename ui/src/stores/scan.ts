// Scans from either kind of scanner gun, as one stream (D1): the serial driver's events and
// keyboard-wedge bursts caught by WedgeDetector before they reach a text field.
import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { Backend, Unsubscribe } from '../backend'
import { WedgeDetector } from '../scanner/wedge'

export type ScanSource = 'serial' | 'keyboard'

export interface Scan {
  text: string
  source: ScanSource
}

export const useScanStore = defineStore('scan', () => {
  const last = ref<Scan | null>(null)
  const count = ref(0)
  let unsubscribe: Unsubscribe | null = null
  let wedge: WedgeDetector | null = null

  function received(text: string, source: ScanSource) {
    last.value = { text, source }
    count.value += 1
  }

  async function start(backend: Backend, target: EventTarget = window) {
    unsubscribe ??= await backend.onScan((scan) => received(scan.text, 'serial'))
    if (!wedge) {
      wedge = new WedgeDetector({ scanned: (text) => received(text, 'keyboard') })
      wedge.attach(target)
    }
  }

  function stop() {
    unsubscribe?.()
    unsubscribe = null
    wedge?.detach()
    wedge = null
  }

  return { last, count, start, stop }
})
