//! Issue 20 (L1–L3, A6) on the server: IT imports a folder of licences (a bad identifier refuses
//! the whole folder); a clerk looks up, with the workstation's signed card-read audit entry, the
//! licences of the holder whose card was read: 成功 with valid / expired / revoked licences,
//! 无证件信息, 失败:权限不足; a lookup without proof, with a forged or stale one, for another
//! holder or by another clerk is refused; preview serves the very file; 反馈 is kept for the
//! issuing department; every call is audited without the clear ID number.
//! The proof is signed the way the workstation signs it (`yichuang_pki::card_read`, which core
//! calls). On SQLite and, where `YICHUANG_TEST_PG_URL` is set, PostgreSQL.

mod common;

use common::cases::{clerk, count};
use common::{databases, random_hall, Running, Ws};
use serde_json::{json, Value};
use yichuang_pki::card_read::{AuditEntryProof, CardReadProof};
use yichuang_pki::ident::{uscc_check_char, LicenceId, Uscc};
use yichuang_server::config::{AdminCommand, ServerConfig};
use yichuang_server::licence::admin::{FeedbackCommand, LicenceCommand};

/// A random valid 统一社会信用代码 (the PostgreSQL test database outlives a run).
fn random_uscc() -> Uscc {
    const A: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    let bytes = uuid::Uuid::new_v4();
    let mut s = String::from("11");
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

struct Row<'a> {
    type_code: &'a str,
    holder: &'a str,
    valid_until: Option<&'a str>,
}

/// Writes a folder of `rows` (one PDF each) and returns it and the identifiers.
fn folder(dir: &std::path::Path, issuer: &Uscc, rows: &[Row<'_>]) -> Vec<(String, Vec<u8>)> {
    std::fs::create_dir_all(dir).unwrap();
    let mut meta = Vec::new();
    let mut out = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        let serial = uuid::Uuid::new_v4().simple().to_string().to_uppercase();
        let id = LicenceId::new(r.type_code, issuer, &serial, 1)
            .unwrap()
            .to_string();
        let mut pdf = b"%PDF-1.7\n".to_vec();
        pdf.extend(common::unique_content(2000));
        let name = format!("l{i}.pdf");
        std::fs::write(dir.join(&name), &pdf).unwrap();
        meta.push(json!({
            "identifier": id, "type_name": "户籍证明", "holder_kind": "person",
            "holder": r.holder, "holder_name": "张三", "issuer_name": "某市公安局",
            "issued_on": "2019-05-01", "valid_until": r.valid_until, "file": name,
        }));
        out.push((id, pdf));
    }
    std::fs::write(
        dir.join("licences.json"),
        serde_json::to_vec(&meta).unwrap(),
    )
    .unwrap();
    out
}

async fn admin(config: &ServerConfig, cmd: LicenceCommand) -> Result<Vec<String>, String> {
    yichuang_server::admin::run(config, &AdminCommand::Licence(cmd))
        .await
        .map_err(|e| format!("{}: {}", e.code(), e.detail()))
}

/// The workstation's card.read entry for `holder` by `actor` at `at`, signed with `key`.
fn proof(
    ws: &Ws,
    key: &yichuang_pki::credential::SigningKey,
    actor: &str,
    holder: &str,
    at: i64,
) -> Value {
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
    serde_json::to_value(CardReadProof::sign(entry, &ws.id, key)).unwrap()
}

async fn post(ws: &Ws, token: &str, path: &str, body: &Value) -> reqwest::Response {
    let bytes = serde_json::to_vec(body).unwrap();
    ws.request(reqwest::Method::POST, path, Some(&bytes))
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

async fn post_json(ws: &Ws, token: &str, path: &str, body: &Value) -> (u16, Value) {
    let resp = post(ws, token, path, body).await;
    (
        resp.status().as_u16(),
        resp.json().await.unwrap_or(Value::Null),
    )
}

async fn scenario(server: &Running, config: &ServerConfig) {
    let dir = tempfile::tempdir().unwrap();
    let issuer = random_uscc();
    let (type_a, type_b, type_c) = (
        format!("{}011", random_uscc()),
        format!("{}012", random_uscc()),
        format!("{}013", random_uscc()),
    );
    let (holder, other) = (random_person(), random_person());

    // A bad check character in row 2 refuses the whole folder.
    let bad_dir = dir.path().join("bad");
    let rows = [
        Row {
            type_code: &type_a,
            holder: &holder,
            valid_until: None,
        },
        Row {
            type_code: &type_a,
            holder: &holder,
            valid_until: None,
        },
    ];
    let made = folder(&bad_dir, &issuer, &rows);
    let mut meta: Value =
        serde_json::from_slice(&std::fs::read(bad_dir.join("licences.json")).unwrap()).unwrap();
    let broken = made[1].0.replace(
        &format!(".001.{}", made[1].0.chars().last().unwrap()),
        ".001.*",
    );
    meta[1]["identifier"] = json!(broken);
    std::fs::write(bad_dir.join("licences.json"), meta.to_string()).unwrap();
    let refused = admin(
        config,
        LicenceCommand::Import {
            dir: bad_dir,
            issuer_ca: vec![],
        },
    )
    .await
    .unwrap_err();
    assert!(refused.starts_with("licence_invalid"), "{refused}");
    assert!(refused.contains("第 2 条"), "{refused}");
    let list = LicenceCommand::List {
        holder: holder.clone(),
        organisation: false,
    };
    assert!(
        admin(config, list.clone()).await.unwrap().is_empty(),
        "nothing half-imported"
    );

    // The good folder: valid, expired, to be revoked (type A), restricted (type C), another's.
    let good = dir.path().join("good");
    let made = folder(
        &good,
        &issuer,
        &[
            Row {
                type_code: &type_a,
                holder: &holder,
                valid_until: Some("2099-12-31"),
            },
            Row {
                type_code: &type_a,
                holder: &holder,
                valid_until: Some("2020-01-01"),
            },
            Row {
                type_code: &type_a,
                holder: &holder,
                valid_until: None,
            },
            Row {
                type_code: &type_c,
                holder: &holder,
                valid_until: None,
            },
            Row {
                type_code: &type_a,
                holder: &other,
                valid_until: None,
            },
        ],
    );
    let out = admin(
        config,
        LicenceCommand::Import {
            dir: good.clone(),
            issuer_ca: vec![],
        },
    )
    .await
    .unwrap();
    assert_eq!(out.last().unwrap(), "5 licence(s) imported", "{out:?}");
    let again = admin(
        config,
        LicenceCommand::Import {
            dir: good,
            issuer_ca: vec![],
        },
    )
    .await
    .unwrap_err();
    assert!(again.contains("已在库中"), "{again}");
    admin(
        config,
        LicenceCommand::Revoke {
            identifier: made[2].0.clone(),
            reason: "证照信息有误".into(),
        },
    )
    .await
    .unwrap();
    admin(
        config,
        LicenceCommand::Grant {
            type_code: type_c.clone(),
            department: "公安局".into(),
        },
    )
    .await
    .unwrap();
    assert_eq!(admin(config, list).await.unwrap().len(), 4);

    let ws = Ws::enroll(server, &random_hall(), 3).await;
    let token = clerk(server, &ws, &["accept"], "综合受理", "窗口").await;
    let (_, me) = ws.get_with_session("/api/v1/auth/session", &token).await;
    let me = me["id"].as_str().unwrap().to_owned();
    let now = ws.now_ms();
    let lookup = |proof: Option<Value>, holder: &str| {
        json!({"item": "330100-001", "purpose": "受理", "holder_kind": "person", "holder": holder,
               "types": [type_a, type_b, type_c], "proof": proof})
    };

    // L1: found (valid, expired, revoked), none, denied.
    let good_proof = proof(&ws, &ws.key, &me, &holder, now - 60_000);
    let (status, answer) = post_json(
        &ws,
        &token,
        "/api/v1/licences/lookup",
        &lookup(Some(good_proof.clone()), &holder),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    let results = answer["results"].as_array().unwrap();
    assert_eq!(results[0]["outcome"], "found");
    assert_eq!(results[0]["label"], "成功");
    let status_of = |id: &str| {
        results[0]["licences"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["identifier"] == id)
            .map(|l| l["status"].clone())
    };
    assert_eq!(status_of(&made[0].0), Some(json!("valid")));
    assert_eq!(status_of(&made[1].0), Some(json!("expired")));
    assert_eq!(status_of(&made[2].0), Some(json!("revoked")));
    assert_eq!(
        results[0]["licences"].as_array().unwrap().len(),
        3,
        "not the other holder's"
    );
    assert_eq!(results[1]["outcome"], "none");
    assert_eq!(results[1]["label"], "无证件信息");
    assert_eq!(results[2]["outcome"], "denied");
    assert_eq!(results[2]["label"], "失败:权限不足");
    assert!(results[2]["licences"].as_array().unwrap().is_empty());

    // A6: no proof, forged, another holder, another clerk, stale.
    let refusals = [
        (lookup(None, &holder), "licence_proof_missing"),
        (
            lookup(
                Some(proof(&ws, &common::new_key(), &me, &holder, now)),
                &holder,
            ),
            "licence_proof_invalid",
        ),
        (
            lookup(Some(good_proof.clone()), &other),
            "licence_proof_other_holder",
        ),
        (
            lookup(
                Some(proof(&ws, &ws.key, "C-someone", &holder, now)),
                &holder,
            ),
            "licence_proof_other_clerk",
        ),
        (
            lookup(
                Some(proof(&ws, &ws.key, &me, &holder, now - 31 * 60_000)),
                &holder,
            ),
            "licence_proof_stale",
        ),
    ];
    for (body, code) in refusals {
        let (status, err) = post_json(&ws, &token, "/api/v1/licences/lookup", &body).await;
        assert_eq!((status, err["code"].as_str()), (403, Some(code)), "{err}");
        assert!(!err["message"].as_str().unwrap().is_empty());
    }
    let mut edited = good_proof.clone();
    edited["entry"]["subject"] = json!(other);
    let (status, err) = post_json(
        &ws,
        &token,
        "/api/v1/licences/lookup",
        &lookup(Some(edited), &other),
    )
    .await;
    assert_eq!(
        (status, err["code"].as_str()),
        (403, Some("licence_proof_invalid"))
    );

    // Preview serves the very file; another holder's licence and a denied type are refused.
    let file = |id: &str, disposition: &str| {
        json!({"identifier": id, "item": "330100-001", "purpose": "受理", "disposition": disposition,
               "holder_kind": "person", "holder": holder, "proof": good_proof})
    };
    let resp = post(
        &ws,
        &token,
        "/api/v1/licences/file",
        &file(&made[0].0, "preview"),
    )
    .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "application/pdf");
    assert!(resp.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("inline"));
    assert_eq!(resp.bytes().await.unwrap().to_vec(), made[0].1);
    let resp = post(
        &ws,
        &token,
        "/api/v1/licences/file",
        &file(&made[1].0, "download"),
    )
    .await;
    assert!(resp.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    let (status, err) = post_json(
        &ws,
        &token,
        "/api/v1/licences/file",
        &file(&made[4].0, "preview"),
    )
    .await;
    assert_eq!(
        (status, err["code"].as_str()),
        (404, Some("licence_unknown"))
    );
    let (status, err) = post_json(
        &ws,
        &token,
        "/api/v1/licences/file",
        &file(&made[3].0, "preview"),
    )
    .await;
    assert_eq!(
        (status, err["code"].as_str()),
        (403, Some("licence_type_denied"))
    );

    // 反馈, kept for the issuing department.
    let fb = json!({"identifier": made[0].0, "type_code": type_a, "item": "330100-001",
                    "category": "wrong_data", "comment": "住址与户籍不符"});
    let (status, receipt) = post_json(&ws, &token, "/api/v1/licences/feedback", &fb).await;
    assert_eq!(status, 201, "{receipt}");
    let listed = admin(
        config,
        LicenceCommand::Feedback(FeedbackCommand::List {
            issuer: Some(issuer.to_string()),
            limit: 10,
        }),
    )
    .await
    .unwrap();
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert!(
        listed[0].contains("住址与户籍不符") && listed[0].contains(&me),
        "{listed:?}"
    );

    // A clerk without accept or query may not look up at all.
    let viewer = clerk(server, &ws, &["issue"], "综合受理", "窗口").await;
    let (status, err) = post_json(
        &ws,
        &viewer,
        "/api/v1/licences/lookup",
        &lookup(Some(good_proof), &holder),
    )
    .await;
    assert_eq!(
        (status, err["code"].as_str()),
        (403, Some("permission_denied"))
    );

    // Audited: every lookup, file and feedback, with the clerk; never the clear number.
    let rows = count(
        server,
        "SELECT COUNT(*) FROM licence_access_log WHERE clerk_id = $1",
        &me,
    )
    .await;
    assert_eq!(rows, 1 + 6 + 4 + 1, "lookups, refusals, files, feedback");
    let clear = count(
        server,
        "SELECT COUNT(*) FROM licence_access_log WHERE holder_index = $1",
        &holder,
    )
    .await;
    assert_eq!(clear, 0);
    let clear = count(
        server,
        "SELECT COUNT(*) FROM licences WHERE holder_sealed = $1",
        &holder,
    )
    .await;
    assert_eq!(clear, 0);

    let (_, doc) = ws.get_json("/api/v1/openapi.json").await;
    for path in ["lookup", "file", "feedback"] {
        assert!(
            doc["paths"][format!("/api/v1/licences/{path}")]["post"].is_object(),
            "{path}"
        );
    }
}

#[tokio::test]
async fn l1_lookup_after_a_card_read_answers_per_type_and_refuses_without_a_valid_proof() {
    let dir = tempfile::tempdir().unwrap();
    for config in databases(dir.path()) {
        let server = Running::start(config.clone()).await;
        scenario(&server, &config).await;
        server.stop().await;
    }
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

/// The issuing department's seal as software: its certificate and key from the test CA.
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

/// A folder with one licence file `pdf` of `holder`; returns the folder.
fn one_licence(
    dir: &std::path::Path,
    issuer: &Uscc,
    holder: &str,
    pdf: &[u8],
) -> std::path::PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let serial = uuid::Uuid::new_v4().simple().to_string().to_uppercase();
    let id = LicenceId::new(&format!("{issuer}001"), issuer, &serial, 1)
        .unwrap()
        .to_string();
    std::fs::write(dir.join("l.pdf"), pdf).unwrap();
    let meta = json!([{
        "identifier": id, "type_name": "营业执照", "holder_kind": "person", "holder": holder,
        "holder_name": "张三", "issuer_name": "某市市场监督管理局", "issued_on": "2024-03-01",
        "file": "l.pdf",
    }]);
    std::fs::write(
        dir.join("licences.json"),
        serde_json::to_vec(&meta).unwrap(),
    )
    .unwrap();
    dir.to_owned()
}

async fn l3_scenario(config: &ServerConfig, dir: &std::path::Path) {
    std::fs::create_dir_all(dir).unwrap();
    let ca = yichuang_testkit::pki::TestCa::new("某市市场监督管理局 CA");
    let other = yichuang_testkit::pki::TestCa::new("另一CA");
    let issuer_key = ca.clerk_cert("某市市场监督管理局", &[0x21]);
    let (ca_pem, other_pem) = (dir.join("ca.pem"), dir.join("other.pem"));
    std::fs::write(&ca_pem, &ca.cert_pem).unwrap();
    std::fs::write(&other_pem, &other.cert_pem).unwrap();
    let issuer = random_uscc();
    let holder = random_person();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let plain = minimal_pdf(&uuid::Uuid::new_v4().to_string());
    let stamped = yichuang_seal::stamp(
        &plain,
        &yichuang_seal::SealAppearance::new("某市市场监督管理局", "电子证照专用章"),
        &mut SoftSeal(&issuer_key),
        now,
    )
    .unwrap();
    let import = |name: &str, pdf: &[u8], cas: Vec<std::path::PathBuf>| {
        let folder = one_licence(&dir.join(name), &issuer, &holder, pdf);
        admin(
            config,
            LicenceCommand::Import {
                dir: folder,
                issuer_ca: cas,
            },
        )
    };
    // Unsigned, altered after stamping, or signed under another CA: refused with the reason.
    let mut altered = stamped.clone();
    let at = altered
        .windows(4)
        .position(|w| w == b"Td (")
        .expect("the page text")
        + 4;
    altered[at] ^= 0x01;
    for (name, pdf, ca_file, want) in [
        ("unsigned", &plain, &ca_pem, "没有电子签章"),
        ("altered", &altered, &ca_pem, "修改"),
        ("foreign", &stamped, &other_pem, "签章无效"),
    ] {
        let e = import(name, pdf, vec![ca_file.clone()]).await.unwrap_err();
        assert!(e.contains("未通过验证") && e.contains(want), "{name}: {e}");
    }
    // Signed by the issuer: imported as verified; without CAs, an unsigned file is unchecked.
    import("signed", &stamped, vec![ca_pem.clone()])
        .await
        .unwrap();
    import("plain", &plain, vec![]).await.unwrap();
    let listed = admin(
        config,
        LicenceCommand::List {
            holder: holder.clone(),
            organisation: false,
        },
    )
    .await
    .unwrap()
    .join("\n");
    assert_eq!(listed.matches("signature=verified").count(), 1, "{listed}");
    assert_eq!(listed.matches("signature=unchecked").count(), 1, "{listed}");
}

/// L3: with the issuers' CAs, an import takes only licence PDFs their issuer signed and that
/// are unchanged since; the refusal says why.
#[tokio::test]
async fn l3_import_verifies_the_issuers_signature_of_each_licence() {
    let dir = tempfile::tempdir().unwrap();
    for (n, config) in databases(dir.path()).into_iter().enumerate() {
        let server = Running::start(config.clone()).await;
        l3_scenario(&config, &dir.path().join(format!("l3-{n}"))).await;
        server.stop().await;
    }
}
