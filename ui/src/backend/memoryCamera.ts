// In-memory document camera for component tests and the browser-only dev server: frames are
// tiny JPEG blobs, codes and failures are injected by the test (`showCode`, `unplug`). The real
// camera, its QR reading and cropping live in `yichuang_core::camera`.
import type { Attachment, CodeTarget, PageInfo, ScanSource, UserError } from '../bindings'
import type { Result, Unsubscribe } from './backend'
import type { CameraApi, FrameResult } from './camera'

const ok = <T>(data: T): Result<T> => ({ status: 'ok', data })
const unplugged: UserError = { code: 'camera.not_connected', message: '高拍仪未连接，请检查USB连接线后重试。', detail: 'memory camera unplugged' }

export class MemoryCamera implements CameraApi {
  previewing = false
  scanning = false
  plugged = true
  seq = 0
  list: PageInfo[] = []
  nextId = 0
  attached: string[] = []
  private codeListeners = new Set<(t: CodeTarget) => void>()
  private failListeners = new Set<(e: UserError) => void>()

  async preview(on: boolean) {
    this.previewing = on
    if (!on) this.scanning = false
    return ok(null)
  }
  async scan(on: boolean) {
    this.scanning = on
    if (on) this.previewing = true
    return ok(null)
  }
  async capture(quarterTurns: number) {
    if (!this.plugged || !this.previewing) return { status: 'error', error: unplugged } as const
    const portrait = quarterTurns % 2 === 0
    this.list.push({ id: ++this.nextId, width: portrait ? 1240 : 1754, height: portrait ? 1754 : 1240, cropped: true })
    return ok([...this.list])
  }
  material = ''
  simulated: string[] = []
  async pages(material: string) {
    if (material !== this.material) {
      this.list = []
      this.material = material
    }
    return [...this.list]
  }
  async simulate(action: string) {
    this.simulated.push(action)
    if (action === 'unplug') this.unplug()
    else if (action === 'plug') this.plug()
    return ok(null)
  }
  async turn(id: number) {
    this.list = this.list.map((p) => (p.id === id ? { ...p, id: ++this.nextId, width: p.height, height: p.width } : p))
    return ok([...this.list])
  }
  async remove(id: number) {
    this.list = this.list.filter((p) => p.id !== id)
    return [...this.list]
  }
  async attach(name: string): Promise<Result<Attachment>> {
    if (!this.list.length) return { status: 'error', error: { code: 'camera.no_pages', message: '尚未拍摄任何页面，请先拍摄。', detail: '' } }
    const pages = this.list.length
    this.list = []
    this.attached.push(name)
    return ok({ name: `${name}.pdf`, sha256: `sha-${this.attached.length}`, size: 1000 * pages, pages, mime: 'application/pdf' } as Attachment)
  }
  async nextFrame(after: number): Promise<FrameResult> {
    await new Promise((r) => setTimeout(r, 5))
    if (!this.plugged) return { status: 'error', error: unplugged }
    if (!this.previewing) return { status: 'none' }
    this.seq = this.seq === after ? this.seq + 1 : this.seq || 1
    return { status: 'frame', seq: this.seq, jpeg: new Blob([new Uint8Array([0xff, 0xd8, 0xff, 0xd9])], { type: 'image/jpeg' }) }
  }
  pageUrl(id: number) {
    return `memory://page/${id}`
  }
  async onCode(listener: (t: CodeTarget) => void): Promise<Unsubscribe> {
    this.codeListeners.add(listener)
    return () => this.codeListeners.delete(listener)
  }
  scans: { text: string; source: ScanSource }[] = []
  /** A ticket `QT|A023|…|item=CODE|…` opens its item; anything else opens nothing. */
  async scanCode(text: string, source: ScanSource): Promise<CodeTarget> {
    this.scans.push({ text, source })
    const ticket = text.startsWith('QT|') ? (text.split('|')[1] ?? null) : null
    const item = /item=([^|&]+)/.exec(text)?.[1] ?? null
    const receipt = /^\d{21}$/.test(text.trim())
    return {
      code: { text, kind: ticket ? 'queue_ticket' : receipt ? 'case_receipt' : 'other' },
      ticket,
      appointment: null,
      item_code: item,
      party: null,
      refusal: null,
    }
  }
  async onFailed(listener: (e: UserError) => void): Promise<Unsubscribe> {
    this.failListeners.add(listener)
    return () => this.failListeners.delete(listener)
  }

  /** Test hand: a code read from the preview (stops the preview, like the service). */
  showCode(target: CodeTarget) {
    this.scanning = false
    this.previewing = false
    for (const l of this.codeListeners) l(target)
  }
  unplug() {
    this.plugged = false
    for (const l of this.failListeners) l(unplugged)
  }
  plug() {
    this.plugged = true
  }
}
