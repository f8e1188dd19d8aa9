// Electronic licences at the window (L1, L2): the card holder's licences for an item, the one
// being previewed, and a licence received in place of a material's paper. The intake page
// asks for the case's item; the 证照查询 page for any item of the clerk's. Rules in core.
import { defineStore } from 'pinia'
import { ref } from 'vue'
import type {
  FeedbackCategory,
  ItemLicences,
  LicenceDownload,
  LicenceFileQuery,
  LicencePreview,
  LicencePurpose,
  LicenceTypeResult,
  LicenceView,
  MaterialEntry,
  UserError,
} from '../bindings'
import { useBackend } from '../backend'
import { pagesWithFiles } from './intake'

/** The licence open in the preview, and the question it was asked for. */
export interface Previewing {
  licence: LicenceView
  query: LicenceFileQuery
  preview: LicencePreview | null
}

export const useLicenceStore = defineStore('licences', () => {
  const backend = useBackend()
  /** The last lookup's answer, per purpose (the intake page's and the query page's). */
  const found = ref<Record<LicencePurpose, ItemLicences | null>>({ intake: null, query: null })
  const error = ref<Record<LicencePurpose, UserError | null>>({ intake: null, query: null })
  const busy = ref(false)
  const previewing = ref<Previewing | null>(null)
  const previewError = ref<UserError | null>(null)
  const saved = ref<LicenceDownload | null>(null)
  /** The refusal of the last 使用电子证照, by material. */
  const attachError = ref<Record<string, UserError>>({})

  function reset(purpose: LicencePurpose) {
    found.value[purpose] = null
    error.value[purpose] = null
    if (purpose === 'intake') attachError.value = {}
  }

  /** `applicant`: in intake, the case's applicant as read from the card (the read must be theirs). */
  async function lookup(item: string, purpose: LicencePurpose, organisation: string | null = null, applicant: string | null = null) {
    busy.value = true
    error.value[purpose] = null
    const r = await backend.licences.lookup({ item, purpose, organisation, applicant })
    busy.value = false
    if (r.status === 'error') {
      found.value[purpose] = null
      error.value[purpose] = r.error
      return false
    }
    found.value[purpose] = r.data
    return true
  }

  /** The intake lookup's answer for one material. */
  function forMaterial(materialId: string): LicenceTypeResult | undefined {
    return found.value.intake?.results.find((r) => r.material_ids.includes(materialId))
  }

  /** 使用电子证照: the licence's file joins the material, received as 电子证照. */
  async function attach(item: string, m: MaterialEntry, l: LicenceView, organisation: string | null = null, applicant: string | null = null) {
    busy.value = true
    const r = await backend.licences.attach({ item, material_id: m.material_id, identifier: l.identifier, organisation, applicant })
    busy.value = false
    if (r.status === 'error') {
      attachError.value = { ...attachError.value, [m.material_id]: r.error }
      return false
    }
    attachError.value = Object.fromEntries(Object.entries(attachError.value).filter(([k]) => k !== m.material_id))
    m.files = [...m.files.filter((f) => f.sha256 !== r.data.attachment.sha256), r.data.attachment]
    m.licence = r.data.licence
    m.received = 'electronic'
    m.pages = pagesWithFiles(m)
    return true
  }

  /** Takes the licence off the material (its file too); the material is missing again. */
  function detach(m: MaterialEntry) {
    if (!m.licence) return
    const sha = m.licence.sha256
    m.files = m.files.filter((f) => f.sha256 !== sha)
    m.licence = null
    m.received = 'missing'
    m.pages = m.files.length ? pagesWithFiles(m) : 0
  }

  async function openPreview(l: LicenceView, item: string, purpose: LicencePurpose, organisation: string | null = null) {
    const query: LicenceFileQuery = { identifier: l.identifier, item, purpose, download: false, organisation }
    previewing.value = { licence: l, query, preview: null }
    previewError.value = null
    saved.value = null
    const r = await backend.licences.preview(query)
    // Another licence opened meanwhile: this answer is not for the dialog any more.
    if (previewing.value?.query.identifier !== query.identifier) return
    if (r.status === 'error') previewError.value = r.error
    else previewing.value = { ...previewing.value, preview: r.data }
  }

  async function download() {
    if (!previewing.value) return
    const r = await backend.licences.download({ ...previewing.value.query, download: true })
    if (r.status === 'error') previewError.value = r.error
    else saved.value = r.data
  }

  /** 反馈 on the previewed licence; resolves to the feedback's number, or null. */
  async function feedback(category: FeedbackCategory, comment: string): Promise<string | null> {
    const p = previewing.value
    if (!p) return null
    const r = await backend.licences.feedback({
      identifier: p.licence.identifier,
      type_code: p.licence.type_code,
      item: p.query.item,
      category,
      comment,
    })
    if (r.status === 'error') {
      previewError.value = r.error
      return null
    }
    return r.data
  }

  function closePreview() {
    previewing.value = null
    previewError.value = null
    saved.value = null
  }

  return { found, error, busy, previewing, previewError, saved, attachError, reset, lookup, forMaterial, attach, detach, openPreview, download, feedback, closePreview }
})
