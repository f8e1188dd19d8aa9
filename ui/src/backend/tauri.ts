// Backend over the Tauri IPC, through the bindings generated from the Rust types.
import { commands, events } from '../bindings'
import type { Backend } from './backend'
import type { FrameResult } from './camera'

// Custom URI schemes: `yccam://localhost/…` on Linux and macOS, `http://yccam.localhost/…`
// on Windows (WebView2).
const cameraBase = navigator.userAgent.includes('Windows') ? 'http://yccam.localhost' : 'yccam://localhost'

async function nextFrame(after: number): Promise<FrameResult> {
  let r: Response
  try {
    r = await fetch(`${cameraBase}/frame?after=${after}`, { cache: 'no-store' })
  } catch (e) {
    return { status: 'error', error: { code: 'camera.transport', message: '高拍仪画面获取失败，请重试。', detail: String(e) } }
  }
  if (r.status === 200) return { status: 'frame', seq: Number(r.headers.get('x-frame-seq') ?? 0), jpeg: await r.blob() }
  if (r.status === 204) return { status: 'none' }
  try {
    return { status: 'error', error: await r.json() }
  } catch {
    return { status: 'error', error: { code: 'camera.transport', message: '高拍仪画面获取失败，请重试。', detail: `HTTP ${r.status}` } }
  }
}

export const tauriBackend: Backend = {
  appInfo: () => commands.getAppInfo(),
  shellStatus: () => commands.getShellStatus(),
  async onShellStatus(listener) {
    return events.shellStatusChanged.listen((event) => listener(event.payload))
  },
  uiRendered: (view) => commands.uiRendered(view),
  async onCardEvent(listener) {
    return events.idCardChanged.listen((event) => listener(event.payload))
  },
  simulateCard: (sample) => commands.simulateCard(sample),
  simulateCardRemoval: () => commands.simulateCardRemoval(),
  printTestSlip: () => commands.printTestSlip(),
  printTestPage: () => commands.printTestPage(),
  simulatePrinterFault: (fault, on) => commands.simulatePrinterFault(fault, on),
  async onScan(listener) {
    return events.scanned.listen((event) => listener(event.payload))
  },
  simulateScan: (text) => commands.simulateScan(text),
  loginKeys: () => commands.loginKeys(),
  login: (keyId, certId, pin) => commands.login(keyId, certId, pin),
  unlock: (pin) => commands.unlock(pin),
  logout: () => commands.logout(),
  changePin: (oldPin, newPin, confirm) => commands.ukeyChangePin(oldPin, newPin, confirm),
  ukeyLibraries: () => commands.ukeyLibraries(),
  enrollmentStatus: () => commands.enrollmentStatus(),
  enroll: (code) => commands.enroll(code),
  async onUkeyChanged(listener) {
    return events.ukeyChanged.listen((event) => listener(event.payload))
  },
  intake: {
    home: () => commands.catalogHome(),
    search: (query) => commands.catalogSearch(query),
    item: (code) => commands.catalogItem(code),
    department: (code) => commands.catalogDepartment(code),
    favourite: (code, on) => commands.catalogFavourite(code, on),
    labels: () => commands.intakeLabels(),
    currentQuestion: (item, answers) => commands.intakeCurrentQuestion(item, answers),
    newDraft: (itemCode) => commands.intakeNew(itemCode),
    refresh: (draft) => commands.intakeRefresh(draft),
    checkUscc: (code) => commands.intakeCheckUscc(code),
    partyFromCard: () => commands.intakePartyFromCard(),
    partyFromExpiredCard: (reason) => commands.intakePartyFromExpiredCard(reason),
    save: (draft, park) => commands.intakeSave(draft, park),
    parkForSwitch: (draft) => commands.intakeParkForSwitch(draft),
    drafts: () => commands.intakeDrafts(),
    discard: (caseId) => commands.intakeDiscard(caseId),
    printNotice: (draft, decision) => commands.intakePrintNotice(draft, decision),
    previewNotice: (draft, decision) => commands.intakePreviewNotice(draft, decision),
    decide: (caseId, decision) => commands.intakeDecide(caseId, decision),
    getCase: (caseId) => commands.caseGet(caseId),
    trail: (caseId) => commands.caseTrail(caseId),
    change: (caseId, change, reason) => commands.caseChange(caseId, change, reason),
    conclude: (caseId, input) => commands.intakeConclude(caseId, input),
    withdrawForm: (caseId) => commands.caseWithdrawForm(caseId),
    receiptSlip: (caseId, reason) => commands.caseReceiptSlip(caseId, reason),
    history: (query) => commands.historySearch(query),
    reprint: (caseId, noticeIndex, reason) => commands.historyReprint(caseId, noticeIndex, reason),
    exportHistory: (query, format) => commands.historyExport(query, format),
    today: () => commands.statsToday(),
    attach: (name, bytes) => commands.materialAttach(name, bytes),
  },
  camera: {
    preview: (on) => commands.cameraPreview(on),
    scan: (on) => commands.cameraScan(on),
    scanCode: (text, source) => commands.scanCode(text, source),
    capture: (quarterTurns) => commands.cameraCapture(quarterTurns),
    pages: (material) => commands.cameraPages(material),
    turn: (id) => commands.cameraPageTurn(id),
    remove: (id) => commands.cameraPageDelete(id),
    attach: (name) => commands.cameraAttach(name),
    nextFrame,
    pageUrl: (id) => `${cameraBase}/page/${id}`,
    simulate: (action) => commands.simulateCamera(action),
    async onCode(listener) {
      return events.cameraCodeRead.listen((event) => listener(event.payload))
    },
    async onFailed(listener) {
      return events.cameraFailed.listen((event) => listener(event.payload))
    },
  },
  issuing: {
    find: (query) => commands.issueFind(query),
    handover: (input) => commands.issueHandover(input),
    photo: () => commands.issuePhoto(),
  },
  licences: {
    lookup: (query) => commands.licenceLookup(query),
    preview: (query) => commands.licencePreview(query),
    download: (query) => commands.licenceDownload(query),
    feedback: (feedback) => commands.licenceFeedback(feedback),
    attach: (query) => commands.licenceAttach(query),
  },
  assist: {
    stateLabels: () => commands.assistStateLabels(),
    departments: () => commands.assistDepartments(),
    request: (draft) => commands.assistRequest(draft),
    flush: () => commands.assistFlush(),
    sent: (state) => commands.assistSent(state),
    inbox: (state) => commands.assistInbox(state),
    get: (id) => commands.assistGet(id),
    attachProof: (id, bytes) => commands.assistAttachProof(id, bytes),
    writeProof: (id, text) => commands.assistWriteProof(id, text),
    sealKeys: () => commands.assistSealKeys(),
    stamp: (id, sealPin, options) => commands.assistStamp(id, sealPin, options),
    returnRequest: (id, reason) => commands.assistReturn(id, reason),
    receive: (id) => commands.assistReceive(id),
    takeAsMaterial: (id) => commands.assistTakeAsMaterial(id),
    print: (id, which) => commands.assistPrint(id, which),
    verifyFile: (bytes) => commands.sealVerifyFile(bytes),
  },
  flow: {
    pending: () => commands.flowPending(),
    list: () => commands.flowList(),
    create: (caseIds) => commands.flowCreate(caseIds),
    reprint: (no) => commands.flowReprint(no),
    find: (no) => commands.flowFind(no),
    sign: (no, caseIds) => commands.flowSign(no, caseIds),
  },
  maintenance: {
    updateState: () => commands.updateState(),
    updateCheck: () => commands.updateCheck(),
    updateDownload: () => commands.updateDownload(),
    updateInstall: () => commands.updateInstall(),
    diagnostics: () => commands.diagnosticsBundle(),
  },
  visit: {
    view: () => commands.citizenView(),
    labels: () => commands.citizenLabels(),
    pick: (level) => commands.citizenPick(level),
    rate: (level, reasons) => commands.citizenRate(level, reasons),
    requestRating: () => commands.visitRequestRating(),
    pause: (reason) => commands.deskPause(reason),
    resume: () => commands.deskResume(),
    async onView(listener) {
      return events.citizenViewChanged.listen((event) => listener(event.payload))
    },
    queueEnabled: () => commands.queueEnabled(),
    deskState: () => commands.deskState(),
    async onDeskChanged(listener) {
      return events.deskChanged.listen(() => listener())
    },
    deskAct: (action) => commands.deskAct(action),
    deskIssue: (group, green) => commands.deskIssue(group, green),
    deskFinish: () => commands.deskFinish(),
  },
  syncStatus: () => commands.syncStatus(),
  syncNow: () => commands.syncNow(),
  syncRetryParked: () => commands.syncRetryParked(),
  async onSyncStatus(listener) {
    return events.syncStatusChanged.listen((event) => listener(event.payload))
  },
}
