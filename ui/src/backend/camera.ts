// The document camera's part of the backend seam (issue 7). Preview frames and captured pages
// travel as binary JPEG over the workstation's `yccam` URI scheme (no base64 JSON); commands
// start/stop the preview and QR reading, capture, turn and attach pages.
import type { Attachment, CodeTarget, PageInfo, ScanSource, UserError } from '../bindings'
import type { Result, Unsubscribe } from './backend'

/** The answer to "the next preview frame after `seq`". */
export type FrameResult =
  | { status: 'frame'; seq: number; jpeg: Blob }
  /** No new frame within the wait (camera warming up); ask again. */
  | { status: 'none' }
  | { status: 'error'; error: UserError }

export interface CameraApi {
  preview(on: boolean): Promise<Result<null>>
  /** Reads QR codes from the preview until one is found (reported by `onCode`). */
  scan(on: boolean): Promise<Result<null>>
  /** Captures the newest frame as a cropped, deskewed page; returns all pages so far. */
  capture(quarterTurns: number): Promise<Result<PageInfo[]>>
  /** The pages captured for this material (pages of another material are dropped). */
  pages(material: string): Promise<PageInfo[]>
  /** Turns a page 90° clockwise. */
  turn(id: number): Promise<Result<PageInfo[]>>
  remove(id: number): Promise<PageInfo[]>
  /** Assembles the pages into one PDF for the material and attaches it; clears the pages. */
  attach(materialName: string): Promise<Result<Attachment>>
  /** Long-polls the next preview frame. */
  nextFrame(after: number): Promise<FrameResult>
  /** Where a captured page's JPEG is (for `<img src>`). */
  pageUrl(id: number): string
  onCode(listener: (target: CodeTarget) => void): Promise<Unsubscribe>
  /** What a scanner gun's scan opens (D1), read by the workstation as a code under the camera. */
  scanCode(text: string, source: ScanSource): Promise<CodeTarget>
  onFailed(listener: (error: UserError) => void): Promise<Unsubscribe>
  /** Acts on the simulated camera: `show <text>`, `show-document`, `show-personal-code`, `clear`, `unplug`, `plug`. */
  simulate(action: string): Promise<Result<null>>
}
