//! L4 at two windows against the real hall server (in process, SQLite, the hall's seal CA =
//! the SM2 test CA of `scripts/ukey-test.sh`): window 1 (综合受理, `accept`) reads a card and
//! asks the department of the simulated SKF seal key for a proof while offline — the request
//! waits in the outbox and goes when the clerk is online and the server is back; window 2 (that department,
//! `assist`) finds it in its inbox, writes the proof, stamps it with the seal key (a wrong
//! seal PIN counts down), and window 1 receives it verified and takes it as an electronic
//! material; a copy altered after stamping is reported as altered; a request returned with a
//! reason shows it. Without the UKey tools the test skips; in CI it fails.

use std::path::Path;
use std::sync::Arc;

use super::ukey_support::{now, serial, setup, Setup};
use crate::devices::id_card::{CardEvent, CitizenCard};
use crate::devices::seal::StampOptions;
use crate::domain::intake::ReceivedAs;
use crate::domain::login::{ClerkInfo, Session, SessionMode};
use crate::infra::backend::BackendStatus;
use crate::infra::config::{DeviceDriver, SealConfig, WorkstationConfig};
use crate::infra::keystore::StoreKey;
use crate::infra::store::Store;
use crate::workstation::assist::{AssistDraft, AssistPrint, AssistProofText, AssistState};
use crate::workstation::tests::FixedClock;
use crate::workstation::{lock, RandomIds, Setup as WsSetup, Workstation};
use crate::ErrorCode;

const SEAL_KEY: &str = "YCSIM-SEAL-01";
const HALL: &str = "441500";

/// The test keys, with the SKF library serving the clerk's key and the seal key.
fn keys() -> Option<&'static Setup> {
    let s = setup("core-assist")?;
    let both = std::env::join_paths([
        s.path("YICHUANG_SKF_SIM_STATE"),
        s.path("YICHUANG_SKF_SEAL_STATE"),
    ])
    .expect("state paths");
    std::env::set_var("YICHUANG_SKF_SIM_STATE", both);
    Some(s)
}

/// The seal UKey plugged in with a full seal PIN counter.
fn fresh(s: &Setup) {
    for cmd in ["insert", "unlock"] {
        let st = std::process::Command::new(s.var("YICHUANG_SKF_SIM_BIN"))
            .args(["--state", s.var("YICHUANG_SKF_SEAL_STATE"), cmd])
            .status()
            .unwrap();
        assert!(st.success(), "yichuang-skf-sim {cmd}");
    }
}

/// The hall server on its own runtime.
struct Hall {
    rt: tokio::runtime::Runtime,
    db: yichuang_server::Database,
    url: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Hall {
    fn start(dir: &Path, seal_ca: &Path) -> Hall {
        let cas = dir.join("seal-cas");
        std::fs::create_dir_all(&cas).unwrap();
        std::fs::copy(seal_ca, cas.join("seal-ca.pem")).unwrap();
        let mut config =
            yichuang_server::ServerConfig::sqlite("127.0.0.1:0".parse().unwrap(), dir.join("srv"));
        config.auth.seal_ca_dir = Some(cas);
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let server = rt.block_on(yichuang_server::Server::bind(config)).unwrap();
        let (url, db) = (server.url(), server.state().db.clone());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        rt.spawn(server.run(async {
            let _ = stopped.await;
        }));
        Hall {
            rt,
            db,
            url,
            stop: Some(stop),
        }
    }

    fn code(&self, window: u32) -> String {
        let at = now() * 1000;
        let (_, code, _) = self
            .rt
            .block_on(yichuang_server::admin::issue_code(
                &self.db, HALL, window, 24, at,
            ))
            .unwrap();
        code
    }

    /// A clerk of `department` with `permissions`, bound to a test certificate, and a session
    /// of theirs at `workstation`: the token.
    fn session(&self, workstation: &str, id: &str, department: &str, perms: &[&str]) -> String {
        let at = now() * 1000;
        let clerk = yichuang_server::auth::store::Clerk {
            id: id.into(),
            name: id.into(),
            department: department.into(),
            post: "窗口".into(),
            permissions: perms.iter().map(|p| p.to_string()).collect(),
        };
        let ca = yichuang_testkit::pki::TestCa::new(&format!("test clerk CA {id}"));
        let cert = yichuang_pki::Cert::from_der(&ca.clerk_cert(id, &[7]).cert_der).unwrap();
        let token = format!("token-{}", uuid::Uuid::new_v4().simple());
        self.rt.block_on(async {
            yichuang_server::Database::upsert_clerk(&self.db.pool, &clerk, at)
                .await
                .unwrap();
            self.db.bind_cert(id, &cert, at).await.unwrap();
            let bindings = self.db.active_bindings(Some(id)).await.unwrap();
            self.db
                .create_session(
                    &yichuang_server::auth::token_hash(&token),
                    id,
                    workstation,
                    &bindings[0].fingerprint,
                    at,
                    at + 3_600_000,
                )
                .await
                .unwrap();
        });
        token
    }
}

impl Drop for Hall {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

struct Desk {
    _dir: tempfile::TempDir,
    ws: Workstation,
}

/// An enrolled window of the hall, with the seal key configured.
fn desk(hall: &Hall, window: u16, seal: SealConfig) -> Desk {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("w.db")).unwrap();
    let mut config = WorkstationConfig::default();
    config.hall.code = Some(HALL.into());
    config.window.number = window;
    config.backend.url = Some(format!("{}/", hall.url).parse().unwrap());
    config.devices.seal = seal;
    let ws = Workstation::new(
        WsSetup {
            config_path: dir.path().join("workstation.toml"),
            data_dir: dir.path().to_owned(),
            config: Ok(config),
            catalog_dir: None,
            clock: Arc::new(FixedClock(now() * 1000)),
            ids: Arc::new(RandomIds),
        },
        Ok(store),
    );
    ws.sync.set_key(Some(StoreKey::random().unwrap()));
    ws.enroll(&hall.code(u32::from(window))).unwrap();
    Desk { _dir: dir, ws }
}

fn log_in(ws: &Workstation, id: &str, department: &str, perms: &[&str], token: Option<String>) {
    let mode = match token {
        Some(_) => SessionMode::Online,
        None => SessionMode::Offline,
    };
    lock(&ws.session).start(Session {
        clerk: ClerkInfo {
            id: id.into(),
            name: id.into(),
            department: department.into(),
            post: "窗口".into(),
            permissions: perms.iter().map(|p| p.to_string()).collect(),
        },
        mode,
        key_id: "k".into(),
        cert_id: "c".into(),
        cert_fingerprint: "f".into(),
        expires_at: now() * 1000 + 3_600_000,
        token,
    });
}

fn read_card(ws: &Workstation, clerk: &str) -> CitizenCard {
    let card = CitizenCard::new(
        yichuang_drivers::idcard::simulator::sample_resident(),
        crate::infra::clock::date_from_unix(now()),
    );
    let at = ws.now();
    let event = CardEvent::Present { card: card.clone() };
    ws.with_store(|s| Ok(ws.reads.card_event(s, Some(clerk.into()), at, event, true)))
        .unwrap();
    card
}

/// `(attempts, refused_code)` of a request's outbox row.
fn outbox_row(store: &mut Store, id: &str) -> rusqlite::Result<Option<(i64, Option<String>)>> {
    use rusqlite::OptionalExtension;
    store
        .conn()
        .query_row(
            "SELECT attempts, refused_code FROM assist_outbox WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
}

fn audited(ws: &Workstation, action: &str) -> usize {
    ws.with_store(|s| {
        Ok(s.conn()
            .query_row(
                "SELECT COUNT(*) FROM audit_log WHERE action = ?1",
                [action],
                |r| r.get::<_, i64>(0),
            )
            .unwrap() as usize)
    })
    .unwrap()
}

#[test]
fn l4_assist_request_offline_then_stamped_with_the_skf_seal_and_taken_as_material() {
    let Some(s) = keys() else {
        return;
    };
    let _g = serial();
    fresh(s);
    let dir = tempfile::tempdir().unwrap();
    let hall = Hall::start(dir.path(), &s.path("YICHUANG_TEST_SM2_CA"));
    let seal = SealConfig {
        driver: DeviceDriver::Skf,
        module: Some(s.var("YICHUANG_SKF_LIB").into()),
        key: Some(SEAL_KEY.into()),
        caption: Some("协查专用章".into()),
        trusted_cas: vec![s.var("YICHUANG_TEST_SM2_CA").into()],
        ..SealConfig::default()
    };
    let a = desk(&hall, 1, seal.clone());
    let b = desk(&hall, 2, seal);
    let seal_keys = {
        log_in(&b.ws, "T-B", "x", &["assist"], None);
        b.ws.seal_keys().unwrap()
    };
    let providing = seal_keys[0].department.clone();
    let requesting = "综合受理窗口";
    let (ws_a, ws_b) = (
        a.ws.credential().unwrap().workstation_id().to_owned(),
        b.ws.credential().unwrap().workstation_id().to_owned(),
    );
    let token_a = hall.session(&ws_a, "T-A", requesting, &["accept"]);
    let token_b = hall.session(&ws_b, "T-B", &providing, &["assist"]);

    // Window 1, offline: the request needs a card read; then it waits in the outbox.
    log_in(&a.ws, "T-A", requesting, &["accept"], None);
    let draft = AssistDraft {
        to_department: providing.clone(),
        item_code: "330100-001".into(),
        item_name: "出租车驾驶员从业资格证核发".into(),
        organisation: None,
        proofs: vec!["无犯罪记录证明".into(), "  ".into()],
        note: "加急".into(),
    };
    let e = a.ws.assist_request(&draft).unwrap_err();
    assert_eq!(e.code, ErrorCode::AssistNoCard);
    let card = read_card(&a.ws, "T-A");
    let queued = a.ws.assist_request(&draft).unwrap();
    assert_eq!(queued.state, AssistState::Queued);
    assert_eq!(queued.state_label, "待发送");
    assert_eq!(queued.proofs, ["无犯罪记录证明"]);
    assert_eq!(queued.applicant.person_number, card.identity.id_number);
    assert_eq!(audited(&a.ws, "assist.request"), 1);
    let row =
        a.ws.with_store(|s| Ok(outbox_row(s, &queued.id).unwrap()))
            .unwrap();
    assert_eq!(
        row,
        Some((0, None)),
        "kept, nothing sent without an online session"
    );
    let listed = a.ws.assist_sent(None).unwrap();
    assert!(listed.offline.is_some());
    assert_eq!(listed.requests.len(), 1);

    // Online, the server back: the queued request goes; the server has it as 待处理.
    log_in(&a.ws, "T-A", requesting, &["accept"], Some(token_a));
    a.ws.set_backend(BackendStatus::Reachable { latency_ms: 1 });
    let row =
        a.ws.with_store(|s| Ok(outbox_row(s, &queued.id).unwrap()))
            .unwrap();
    assert_eq!(row, None, "the outbox row goes once the server has it");
    let listed = a.ws.assist_sent(None).unwrap();
    assert_eq!(listed.offline, None);
    assert_eq!(listed.requests.len(), 1, "{listed:?}");
    assert_eq!(listed.requests[0].id, queued.id);
    assert_eq!(listed.requests[0].state_label, "待处理");
    assert_eq!(audited(&a.ws, "assist.sent"), 1);
    let form = a.ws.assist_preview(&queued.id).unwrap();
    assert!(format!("{form:?}").contains("部门协查申请单"));
    assert!(a
        .ws
        .assist_pdf(&queued.id, AssistPrint::Request)
        .unwrap()
        .starts_with(b"%PDF-"));

    // Window 2: a clerk without `assist` sees no inbox; the department's clerk does.
    log_in(&b.ws, "T-B", &providing, &["accept"], Some(token_b.clone()));
    let e = b.ws.assist_inbox(None).unwrap_err();
    assert_eq!(e.code, ErrorCode::PermissionDenied);
    log_in(&b.ws, "T-B", &providing, &["assist"], Some(token_b));
    let inbox = b.ws.assist_inbox(Some(AssistState::Pending)).unwrap();
    assert_eq!(inbox.requests.len(), 1);
    let id = inbox.requests[0].id.clone();
    let text = AssistProofText {
        title: Some("无犯罪记录证明".into()),
        body: "经查，该申请人在本辖区内无犯罪记录。\n特此证明。".into(),
    };
    let written = b.ws.assist_write_proof(&id, &text).unwrap();
    assert_eq!(written.state_label, "待盖章");

    // A wrong seal PIN counts down; the right one stamps; the server verifies the seal.
    let options = StampOptions::default();
    let e = b.ws.assist_stamp(&id, "000000", &options).unwrap_err();
    assert_eq!(e.code, ErrorCode::SealPinIncorrect);
    assert!(e.message.contains('5'), "tries left: {}", e.message);
    let sealed = b.ws.assist_stamp(&id, "111111", &options).unwrap();
    assert_eq!(sealed.state, AssistState::Sealed);
    assert_eq!(sealed.seal.as_ref().unwrap().signer_name, providing);
    assert!(sealed.sealed_by.as_deref().unwrap().contains(&providing));

    // Window 1 receives it verified and takes it as an electronic material.
    let received = a.ws.assist_receive(&id).unwrap();
    assert!(received.valid, "{}", received.sentence);
    assert!(
        received.sentence.contains(&providing),
        "{}",
        received.sentence
    );
    let material = a.ws.assist_take_as_material(&id).unwrap();
    assert_eq!(material.received_as, ReceivedAs::Electronic);
    assert_eq!(material.attachment.mime, "application/pdf");
    // An altered copy is reported as altered.
    let mut altered = a.ws.assist_pdf(&id, AssistPrint::Stamped).unwrap();
    let at = altered.windows(6).position(|w| w == b"stream").unwrap() + 12;
    altered[at] ^= 0x01;
    let verdicts = a.ws.verify_document(&altered).unwrap();
    assert!(
        !verdicts[0].valid && verdicts[0].message.contains("修改"),
        "{verdicts:?}"
    );

    // 退回 with a reason, seen by the requester.
    read_card(&a.ws, "T-A");
    let second = a.ws.assist_request(&draft).unwrap();
    assert_eq!(second.state, AssistState::Pending);
    let reason = "本单位无该办事人记录";
    let returned = b.ws.assist_return(&second.id, reason).unwrap();
    assert_eq!(returned.state_label, "已退回");
    let seen = a.ws.assist_get(&second.id).unwrap();
    assert_eq!(seen.return_reason.as_deref(), Some(reason));
    let e = a.ws.assist_receive(&second.id).unwrap_err();
    assert_eq!(e.code, ErrorCode::AssistNotSealed);
    assert_eq!(audited(&b.ws, "assist.stamp"), 1);
    assert_eq!(audited(&b.ws, "seal.pin_refused"), 1);
}
