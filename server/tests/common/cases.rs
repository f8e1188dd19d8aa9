//! Cases as the workstations push them (issue 18): a decided case's JSON, its sync record,
//! the acknowledgements' outcomes, a clerk of a department with permissions.

use serde_json::{json, Value};

use super::{clerk_session, Running, Ws};

pub const ID: &str = "44150219900101123X";

/// A decided case as the workstation pushes it (core's `Case` JSON, the fields the server reads
/// and some it keeps without reading).
pub fn case(
    id: &str,
    no: &str,
    state: &str,
    name: &str,
    id_number: &str,
    department: &str,
) -> Value {
    json!({
        "id": id, "case_no": no, "version": 2, "state": state, "item_code": "GA-HJ-0301",
        "item_name": "户籍证明", "department": department, "situation_name": null,
        "clerk_id": "C001", "created_at": 1_764_990_000_000_i64, "updated_at": 1_764_990_100_000_i64,
        "decided_at": 1_764_990_100_000_i64, "due_date": "2026-12-11", "print_count": 1,
        "draft": {
            "id": id, "item_code": "GA-HJ-0301", "answers": [], "situation_id": null,
            "applicant": { "name": name, "id_number": id_number, "id_source": "card", "sex": "男",
                           "nation": "汉", "birth": "1990-01-01", "address": "", "phone": "" },
            "agent": null,
            "pickup": { "name": "李四", "id_number": "441502198001011234", "id_source": "card",
                        "sex": "男", "nation": "汉", "birth": "1980-01-01", "address": "", "phone": "" },
            "form": {},
            "materials": [
                { "material_id": "m1", "name": "居民身份证", "required": true, "form": "原件", "count": 1,
                  "deferrable": false, "received": "paper", "pages": 1, "files": [], "note": "" },
                { "material_id": "m2", "name": "户口簿", "required": true, "form": "原件", "count": 1,
                  "deferrable": true, "received": "missing", "pages": 0, "files": [], "note": "" }
            ],
            "notes": ""
        },
        "decision": null, "notices": [], "changes": []
    })
}

pub fn record(id: &str, payload: Value) -> Value {
    json!({ "id": id, "kind": "case", "version": 2, "payload": payload })
}

pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

pub fn outcomes(acks: &Value) -> Vec<(String, Option<String>)> {
    acks["acks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["outcome"].as_str().unwrap().to_owned(),
                a["code"].as_str().map(str::to_owned),
            )
        })
        .collect()
}

pub async fn count(server: &Running, sql: &str, bind: &str) -> i64 {
    use sqlx::Row;
    sqlx::query(sql)
        .bind(bind)
        .fetch_one(&server.state.db.pool)
        .await
        .unwrap()
        .get(0)
}

/// A clerk of `department` / `post` at `ws` with `permissions`.
pub async fn clerk(
    server: &Running,
    ws: &Ws,
    permissions: &[&str],
    department: &str,
    post: &str,
) -> String {
    let token = clerk_session(server, ws, permissions).await;
    sqlx::query(
        "UPDATE clerks SET department = $1, post = $2 WHERE id = \
           (SELECT clerk_id FROM auth_sessions WHERE token_hash = $3)",
    )
    .bind(department)
    .bind(post)
    .bind(yichuang_server::auth::token_hash(&token))
    .execute(&server.state.db.pool)
    .await
    .unwrap();
    token
}
