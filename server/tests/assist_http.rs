//! L4 (部门协查, seed 000 §1.3) on the server: a clerk of one department asks another for a
//! proof about the applicant whose card was read; the providing department's clerk (permission
//! `assist`) finds it in the inbox, attaches the proof, stamps it with the department's seal
//! and uploads it; the server verifies the seal against the hall's seal CAs and the requester
//! downloads the very stamped file. Another department's clerk and a clerk without `assist`
//! are refused; an unsigned, tampered, foreign-CA or other-document stamp is refused with its
//! code; creation is idempotent by id; a request can be returned with a reason; everything is
//! audited and the applicant is never stored in clear. On SQLite and, where
//! `YICHUANG_TEST_PG_URL` is set, PostgreSQL.

mod common;

use common::cases::{clerk, count};
use common::{databases, random_hall, Running, Ws};
use serde_json::{json, Value};
use yichuang_pki::card_read::{AuditEntryProof, CardReadProof};
use yichuang_pki::ident::{uscc_check_char, Uscc};

/// A random valid 统一社会信用代码 (the PostgreSQL test database outlives a run).
fn random_uscc() -> Uscc {
    const A: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    let bytes = uuid::Uuid::new_v4();
    let mut s = String::from("91");
    for (i, b) in bytes.as_bytes().iter().take(15).enumerate() {
        let c = if i < 6 {
            b'0' + b % 10
        } else {
            A[*b as usize % 31]
        };
        s.push(c as char);
    }
    let check = uscc_check_char(&s).unwrap();
    Uscc::parse(&format!("{s}{check}")).unwrap()
}

fn random_person() -> String {
    format!("T{}", &uuid::Uuid::new_v4().simple().to_string()[..17]).to_uppercase()
}

fn card_read(ws: &Ws, actor: &str, holder: &str, at: i64) -> Value {
    let mut entry = AuditEntryProof {
        id: uuid::Uuid::now_v7().to_string(),
        at,
        actor: Some(actor.into()),
        action: "card.read".into(),
        subject: Some(holder.into()),
        detail: json!({"card_kind": "resident", "expired": false, "source": "id_card_reader"}),
        prev_hash: "0".repeat(64),
        hash: String::new(),
    };
    entry.hash = entry.computed_hash();
    serde_json::to_value(CardReadProof::sign(entry, &ws.id, &ws.key)).unwrap()
}

async fn send(
    ws: &Ws,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<(&[u8], &str)>,
) -> reqwest::Response {
    let mut b = ws.request(method, path, Some(body.map_or(&b""[..], |b| b.0)));
    if let Some((_, content_type)) = body {
        b = b.header(reqwest::header::CONTENT_TYPE, content_type);
    }
    b.bearer_auth(token).send().await.unwrap()
}

async fn call(
    ws: &Ws,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<(&[u8], &str)>,
) -> (u16, Value) {
    let resp = send(ws, token, method, path, body).await;
    (
        resp.status().as_u16(),
        resp.json().await.unwrap_or(Value::Null),
    )
}

async fn post_json(ws: &Ws, token: &str, path: &str, body: &Value) -> (u16, Value) {
    let bytes = serde_json::to_vec(body).unwrap();
    let body = Some((&bytes[..], "application/json"));
    call(ws, token, reqwest::Method::POST, path, body).await
}

async fn post_pdf(ws: &Ws, token: &str, path: &str, pdf: &[u8]) -> (u16, Value) {
    let body = Some((pdf, "application/pdf"));
    call(ws, token, reqwest::Method::POST, path, body).await
}

async fn get(ws: &Ws, token: &str, path: &str) -> (u16, Value) {
    call(ws, token, reqwest::Method::GET, path, None).await
}

/// A one-page PDF with `text` on it, written by hand (objects, xref, trailer).
fn minimal_pdf(text: &str) -> Vec<u8> {
    let content = format!("BT /F1 12 Tf 72 720 Td ({text}) Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>".to_owned(),
        format!(
            "<< /Length {} >>\nstream\n{content}\nendstream",
            content.len() + 1
        ),
    ];
    let mut out = b"%PDF-1.7\n".to_vec();
    let mut offsets = Vec::new();
    for (i, object) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend(format!("{} 0 obj\n{object}\nendobj\n", i + 1).bytes());
    }
    let xref = out.len();
    out.extend(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).bytes());
    for offset in offsets {
        out.extend(format!("{offset:010} 00000 n \n").bytes());
    }
    out.extend(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .bytes(),
    );
    out
}

/// The department's seal as software: its certificate and key from a test CA.
struct SoftSeal<'a>(&'a yichuang_testkit::pki::Issued);

impl yichuang_seal::SealSigner for SoftSeal<'_> {
    type Error = std::convert::Infallible;
    fn certificates(&self) -> Vec<Vec<u8>> {
        vec![self.0.cert_der.clone()]
    }
    fn algorithm(&self) -> yichuang_seal::SealAlgorithm {
        yichuang_seal::SealAlgorithm::EcdsaP256Sha256
    }
    fn sign(&mut self, message: &[u8]) -> Result<Vec<u8>, Self::Error> {
        Ok(self.0.sign(message))
    }
}

fn stamp(pdf: &[u8], key: &yichuang_testkit::pki::Issued, department: &str) -> Vec<u8> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    yichuang_seal::stamp(
        pdf,
        &yichuang_seal::SealAppearance::new(department, "协查专用章"),
        &mut SoftSeal(key),
        now,
    )
    .unwrap()
}

/// The hall's seal CA and another one.
struct Cas {
    hall: yichuang_testkit::pki::TestCa,
    other: yichuang_testkit::pki::TestCa,
}

async fn scenario(server: &Running, cas: &Cas) {
    let tag = &uuid::Uuid::new_v4().simple().to_string()[..8];
    let (requesting, providing, third) = (
        format!("综合受理-{tag}"),
        format!("某市公安局-{tag}"),
        format!("某市民政局-{tag}"),
    );
    let ours = cas.hall.clerk_cert(&providing, &[0x31]);
    let foreign_seal = cas.other.clerk_cert(&providing, &[0x32]);
    let a = Ws::enroll(server, &random_hall(), 1).await;
    let b = Ws::enroll(server, &random_hall(), 2).await;
    let requester = clerk(server, &a, &["accept"], &requesting, "综合窗口").await;
    let provider = clerk(server, &b, &["assist"], &providing, "户籍窗口").await;
    let stranger = clerk(server, &b, &["assist", "accept"], &third, "窗口").await;
    let no_assist = clerk(server, &b, &["accept"], &providing, "窗口").await;
    let (_, me) = a.get_with_session("/api/v1/auth/session", &requester).await;
    let me = me["id"].as_str().unwrap().to_owned();

    let (status, deps) = get(&a, &requester, "/api/v1/assist/departments").await;
    assert_eq!(status, 200, "{deps}");
    let deps: Vec<&str> = deps["departments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap())
        .collect();
    assert!(deps.contains(&providing.as_str()) && deps.contains(&third.as_str()));

    let person = random_person();
    let now = a.now_ms();
    let request = |id: &str, proof: Option<Value>| {
        json!({"id": id, "to_department": providing, "item_code": "330100-001",
               "item_name": "出租车驾驶员从业资格证核发", "applicant_kind": "person",
               "person_number": person, "person_name": "张三", "proofs": ["无犯罪记录证明"],
               "note": "加急", "created_at": now, "card_read": proof})
    };
    let id = uuid::Uuid::now_v7().to_string();
    let proof = card_read(&a, &me, &person, now - 60_000);

    // Without a card read, refused; with it, 待处理; the same body again is the same request.
    let (status, err) = post_json(
        &a,
        &requester,
        "/api/v1/assist/requests",
        &request(&id, None),
    )
    .await;
    assert_eq!(
        (status, err["code"].as_str()),
        (403, Some("assist_card_read_missing"))
    );
    let body = request(&id, Some(proof.clone()));
    let (status, made) = post_json(&a, &requester, "/api/v1/assist/requests", &body).await;
    assert_eq!(status, 201, "{made}");
    assert_eq!(made["state"], "pending");
    assert_eq!(made["state_label"], "待处理");
    let (status, again) = post_json(&a, &requester, "/api/v1/assist/requests", &body).await;
    assert_eq!((status, &again["id"]), (200, &made["id"]));
    let mut other = body.clone();
    other["note"] = json!("另一个申请");
    let (status, err) = post_json(&a, &requester, "/api/v1/assist/requests", &other).await;
    assert_eq!(
        (status, err["code"].as_str()),
        (409, Some("assist_id_reused"))
    );
    // A card read of someone else, and an unknown department, are refused.
    let mut elsewhere = request(&uuid::Uuid::now_v7().to_string(), Some(proof.clone()));
    elsewhere["person_number"] = json!(random_person());
    let (status, err) = post_json(&a, &requester, "/api/v1/assist/requests", &elsewhere).await;
    assert_eq!(
        (status, err["code"].as_str()),
        (403, Some("assist_card_read_other_holder"))
    );
    let mut stale = request(
        &uuid::Uuid::now_v7().to_string(),
        Some(card_read(&a, &me, &person, now - 8 * 86_400_000)),
    );
    stale["created_at"] = json!(now - 8 * 86_400_000 + 60_000);
    let (status, err) = post_json(&a, &requester, "/api/v1/assist/requests", &stale).await;
    assert_eq!(
        (status, err["code"].as_str()),
        (403, Some("assist_card_read_stale")),
        "queued too long"
    );
    let late = request(
        &uuid::Uuid::now_v7().to_string(),
        Some(card_read(&a, &me, &person, now - 31 * 60_000)),
    );
    let (status, err) = post_json(&a, &requester, "/api/v1/assist/requests", &late).await;
    assert_eq!(
        (status, err["code"].as_str()),
        (403, Some("assist_card_read_stale")),
        "card read 31 min before"
    );
    let theirs = request(
        &uuid::Uuid::now_v7().to_string(),
        Some(card_read(&a, "T-SOMEONE", &person, now)),
    );
    let (status, err) = post_json(&a, &requester, "/api/v1/assist/requests", &theirs).await;
    assert_eq!(
        (status, err["code"].as_str()),
        (403, Some("assist_card_read_other_clerk"))
    );
    // A company: its 统一社会信用代码 is checked.
    let mut company = request(&uuid::Uuid::now_v7().to_string(), Some(proof.clone()));
    company["applicant_kind"] = json!("organisation");
    company["organisation_code"] = json!("91330100MA2B3C4D5X");
    company["organisation_name"] = json!("某某科技有限公司");
    let (status, err) = post_json(&a, &requester, "/api/v1/assist/requests", &company).await;
    assert_eq!(
        (status, err["code"].as_str()),
        (400, Some("assist_invalid")),
        "{err}"
    );
    let code = random_uscc();
    company["organisation_code"] = json!(code.to_string().to_lowercase());
    let (status, made_company) =
        post_json(&a, &requester, "/api/v1/assist/requests", &company).await;
    assert_eq!(status, 201, "{made_company}");
    assert_eq!(
        made_company["applicant"]["organisation_code"],
        code.to_string().as_str()
    );
    let mut nowhere = request(&uuid::Uuid::now_v7().to_string(), Some(proof.clone()));
    nowhere["to_department"] = json!(format!("无此部门-{tag}"));
    let (status, err) = post_json(&a, &requester, "/api/v1/assist/requests", &nowhere).await;
    assert_eq!(
        (status, err["code"].as_str()),
        (400, Some("assist_department_unknown"))
    );

    // The inbox of the providing department; not of another one; not without `assist`.
    let (status, inbox) = get(&b, &provider, "/api/v1/assist/requests?mailbox=inbox").await;
    assert_eq!(status, 200, "{inbox}");
    let listed = inbox["requests"].as_array().unwrap();
    assert_eq!(listed.len(), 2);
    let first = listed.iter().find(|r| r["id"] == id.as_str()).unwrap();
    assert_eq!(first["applicant"]["person_number"], person.as_str());
    assert_eq!(first["proofs"], json!(["无犯罪记录证明"]));
    let (_, inbox) = get(&b, &stranger, "/api/v1/assist/requests?mailbox=inbox").await;
    assert_eq!(inbox["requests"].as_array().unwrap().len(), 0);
    let (status, err) = get(&b, &no_assist, "/api/v1/assist/requests?mailbox=inbox").await;
    assert_eq!(
        (status, err["code"].as_str()),
        (403, Some("permission_denied"))
    );
    let one = format!("/api/v1/assist/requests/{id}");
    let (status, err) = get(&b, &stranger, &one).await;
    assert_eq!(
        (status, err["code"].as_str()),
        (403, Some("assist_other_department"))
    );

    // The proof: not by another department, not without `assist`, not other than a PDF.
    let proof_pdf = minimal_pdf(&format!("proof {id}"));
    let attach = format!("{one}/proof");
    let (status, err) = post_pdf(&b, &stranger, &attach, &proof_pdf).await;
    assert_eq!(
        (status, err["code"].as_str()),
        (403, Some("assist_other_department"))
    );
    let (status, err) = post_pdf(&b, &no_assist, &attach, &proof_pdf).await;
    assert_eq!(
        (status, err["code"].as_str()),
        (403, Some("permission_denied"))
    );
    let text = Some((&b"not a pdf"[..], "text/plain"));
    let (status, err) = call(&b, &provider, reqwest::Method::POST, &attach, text).await;
    assert_eq!(
        (status, err["code"].as_str()),
        (415, Some("assist_not_pdf"))
    );
    let (status, view) = post_pdf(&b, &provider, &attach, &proof_pdf).await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(
        (view["state"].as_str(), view["state_label"].as_str()),
        (Some("awaiting_seal"), Some("待盖章"))
    );

    // Stamped: unsigned, tampered, foreign CA, another document — each refused with its code.
    let stamped_path = format!("{one}/stamped");
    let stamped = stamp(&proof_pdf, &ours, &providing);
    let mut tampered = stamped.clone();
    let at = tampered.windows(4).position(|w| w == b"Td (").unwrap() + 4;
    tampered[at] ^= 0x01;
    let foreign = stamp(&proof_pdf, &foreign_seal, &providing);
    let elsewhere = stamp(&minimal_pdf("another"), &ours, &providing);
    for (pdf, code) in [
        (&proof_pdf, "assist_seal_missing"),
        (&tampered, "assist_seal_invalid"),
        (&foreign, "assist_seal_untrusted"),
        (&elsewhere, "assist_seal_other_document"),
    ] {
        let (status, err) = post_pdf(&b, &provider, &stamped_path, pdf).await;
        assert_eq!((status, err["code"].as_str()), (422, Some(code)), "{err}");
        assert!(!err["message"].as_str().unwrap().is_empty());
    }
    let (status, view) = post_pdf(&b, &provider, &stamped_path, &stamped).await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["state_label"], "已盖章");
    assert_eq!(view["seal"]["signer_name"], providing.as_str());
    assert!(view["seal"]["signed_at"].as_i64().is_some());

    // The requester sees it sealed and downloads the very stamped file.
    let (_, sent) = get(
        &a,
        &requester,
        "/api/v1/assist/requests?mailbox=sent&state=sealed",
    )
    .await;
    assert_eq!(sent["requests"][0]["id"], id.as_str());
    let resp = send(
        &a,
        &requester,
        reqwest::Method::GET,
        &format!("{one}/document?which=stamped"),
        None,
    )
    .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "application/pdf");
    assert_eq!(resp.bytes().await.unwrap().to_vec(), stamped);
    // Stamped: no return, no new proof.
    let (status, err) = post_json(
        &b,
        &provider,
        &format!("{one}/return"),
        &json!({"reason": "x"}),
    )
    .await;
    assert_eq!((status, err["code"].as_str()), (409, Some("assist_state")));

    // 退回 with a reason, seen by the requester.
    let id2 = uuid::Uuid::now_v7().to_string();
    let (status, _) = post_json(
        &a,
        &requester,
        "/api/v1/assist/requests",
        &request(&id2, Some(proof)),
    )
    .await;
    assert_eq!(status, 201);
    let two = format!("/api/v1/assist/requests/{id2}");
    let reason = "本单位无该办事人记录，请向户籍所在地申请";
    let (status, view) = post_json(
        &b,
        &provider,
        &format!("{two}/return"),
        &json!({"reason": reason}),
    )
    .await;
    assert_eq!(status, 200, "{view}");
    let (_, seen) = get(&a, &requester, &two).await;
    assert_eq!(
        (seen["state_label"].as_str(), seen["return_reason"].as_str()),
        (Some("已退回"), Some(reason))
    );

    // A proof already signed elsewhere (a licence file) takes the department's seal on top.
    let id3 = uuid::Uuid::now_v7().to_string();
    let (status, _) = post_json(
        &a,
        &requester,
        "/api/v1/assist/requests",
        &request(&id3, Some(card_read(&a, &me, &person, now))),
    )
    .await;
    assert_eq!(status, 201);
    let three = format!("/api/v1/assist/requests/{id3}");
    let licence = stamp(&minimal_pdf("licence"), &foreign_seal, "某发证机关");
    let (status, _) = post_pdf(&b, &provider, &format!("{three}/proof"), &licence).await;
    assert_eq!(status, 200);
    let on_top = stamp(&licence, &ours, &providing);
    let (status, view) = post_pdf(&b, &provider, &format!("{three}/stamped"), &on_top).await;
    assert_eq!(
        (status, view["state"].as_str()),
        (200, Some("sealed")),
        "{view}"
    );
    assert_eq!(view["seal"]["signer_name"], providing.as_str());

    // Audited, refusals included; nothing about the applicant in clear.
    let rows = count(
        server,
        "SELECT COUNT(*) FROM assist_log WHERE request_id = $1",
        &id,
    )
    .await;
    assert!(rows >= 14, "{rows} log rows");
    let refused = count(
        server,
        "SELECT COUNT(*) FROM assist_log WHERE request_id = $1 AND outcome = 'assist_seal_invalid'",
        &id,
    )
    .await;
    assert_eq!(refused, 1);
    let clear = count(
        server,
        "SELECT COUNT(*) FROM assist_requests WHERE content_sealed LIKE '%' || $1 || '%' \
         OR applicant_index = $1",
        &person,
    )
    .await;
    assert_eq!(clear, 0);

    let (_, doc) = a.get_json("/api/v1/openapi.json").await;
    for path in [
        "/api/v1/assist/departments",
        "/api/v1/assist/requests",
        "/api/v1/assist/requests/{id}",
        "/api/v1/assist/requests/{id}/proof",
        "/api/v1/assist/requests/{id}/stamped",
        "/api/v1/assist/requests/{id}/return",
        "/api/v1/assist/requests/{id}/document",
    ] {
        assert!(doc["paths"][path].is_object(), "{path}");
    }
    assert!(
        doc["paths"]["/api/v1/assist/requests/{id}/stamped"]["post"]["requestBody"]["content"]
            ["application/pdf"]
            .is_object()
    );
}

#[tokio::test]
async fn l4_assist_request_is_stamped_by_the_providing_department_and_verified() {
    let dir = tempfile::tempdir().unwrap();
    let cas = Cas {
        hall: yichuang_testkit::pki::TestCa::new("某市电子印章 CA"),
        other: yichuang_testkit::pki::TestCa::new("另一CA"),
    };
    let seal_cas = dir.path().join("seal-cas");
    std::fs::create_dir_all(&seal_cas).unwrap();
    std::fs::write(seal_cas.join("ca.pem"), &cas.hall.cert_pem).unwrap();
    for mut config in databases(dir.path()) {
        config.auth.seal_ca_dir = Some(seal_cas.clone());
        let server = Running::start(config).await;
        scenario(&server, &cas).await;
        server.stop().await;
    }
}
