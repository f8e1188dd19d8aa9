// The clerk-facing names of intake's states, back-office progress, material flow, decisions, receipt forms, ID sources,
// applicant kinds and organisation fields, lights, card types, sexes, permissions, licence states and 反馈 categories,
// as the workstation supplies them (`yichuang_core::domain::intake::labels`); loaded once.
import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { ApplicantKindLabels, CardKind, CaseProgress, CaseState, ConclusionResult, DecisionKind, FlowState, IdSource, IntakeLabels, LicenceStatus, Light, Permission, ReceivedAs, Sex } from '../bindings'
import type { Backend } from '../backend'

export const useLabelsStore = defineStore('labels', () => {
  const labels = ref<IntakeLabels | null>(null)
  let loading: Promise<void> | null = null

  /** Loads the tables the first time; later calls wait for that load. */
  function load(backend: Backend): Promise<void> {
    loading ??= backend.intake.labels().then(
      (l) => void (labels.value = l),
      () => void (loading = null),
    )
    return loading
  }

  const state = (s: CaseState) => labels.value?.case_states[s] ?? ''
  const progress = (p: CaseProgress) => labels.value?.case_progress[p] ?? ''
  const flowState = (f: FlowState) => labels.value?.flow_states[f] ?? ''
  const decision = (k: DecisionKind) => labels.value?.decision_kinds[k] ?? ''
  const conclusion = (r: ConclusionResult) => labels.value?.conclusion_results[r] ?? ''
  const received = (r: ReceivedAs) => labels.value?.received_as[r] ?? ''
  const idSource = (s: IdSource) => labels.value?.id_sources[s] ?? ''
  const applicantKind = (k: keyof ApplicantKindLabels) => labels.value?.applicant_kinds[k] ?? ''
  /** The applicant form's organisation field names (申请人类型, 单位名称, …). */
  const organisationFields = () => labels.value?.organisation_fields ?? null
  const light = (l: Light) => labels.value?.lights[l] ?? ''
  const cardKind = (k: CardKind) => labels.value?.card_kinds[k] ?? ''
  const sex = (s: Sex) => labels.value?.sexes[s] ?? ''
  const permission = (p: Permission) => labels.value?.permissions[p] ?? p
  const licenceStatus = (s: LicenceStatus) => labels.value?.licence_statuses[s] ?? ''
  /** A table's values in the workstation's order, for a select. */
  function entries<K extends string>(table: (l: IntakeLabels) => Record<K, string>): [K, string][] {
    return labels.value ? (Object.entries(table(labels.value)) as [K, string][]) : []
  }

  return { labels, load, state, progress, flowState, decision, conclusion, received, idSource, applicantKind, organisationFields, light, cardKind, sex, permission, licenceStatus, entries }
})
