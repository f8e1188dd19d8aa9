//! Admin subcommands of the `yichuang-server` binary: import clerks from CSV, list them, bind
//! and unbind certificates. They open the same database as the server (`--data-dir` /
//! `--database-url`) and print what they did, one line per item.

use std::path::Path;

use yichuang_pki::Cert;

use crate::auth::load_trust_store;
use crate::auth::store::{BindOutcome, Clerk};
use crate::config::{AdminCommand, CertCommand, ClerkCommand, ServerConfig, WorkstationCommand};
use crate::db::Database;
use crate::error::{AdminProblem, Error, Result};

/// Runs one admin command and returns its report (lines to print).
pub async fn run(config: &ServerConfig, command: &AdminCommand) -> Result<Vec<String>> {
    if *command == AdminCommand::Openapi {
        use utoipa::OpenApi;
        let doc = crate::api::ApiDoc::openapi()
            .to_pretty_json()
            .expect("the OpenAPI document always serializes");
        return Ok(vec![doc]);
    }
    let db = Database::open(config).await?;
    let result = run_on(&db, config, command).await;
    db.close().await;
    result
}

async fn run_on(
    db: &Database,
    config: &ServerConfig,
    command: &AdminCommand,
) -> Result<Vec<String>> {
    let now = config.clock.now_ms();
    match command {
        AdminCommand::Openapi => Ok(Vec::new()),
        AdminCommand::Workstation(cmd) => workstation(db, cmd, now).await,
        AdminCommand::Queue(cmd) => crate::queue::admin::queue(db, cmd, now).await,
        AdminCommand::Device(cmd) => crate::queue::admin::device(db, cmd, now).await,
        AdminCommand::System(cmd) => crate::cases::admin::system(db, cmd, now).await,
        AdminCommand::Case(cmd) => crate::cases::admin::case(db, cmd, now).await,
        AdminCommand::Upstream(cmd) => crate::upstream::admin::upstream(db, cmd, now).await,
        AdminCommand::Release(cmd) => {
            crate::maintenance::admin::release(db, config, cmd, now).await
        }
        AdminCommand::Diagnostics(cmd) => {
            crate::maintenance::admin::diagnostics(db, config, cmd).await
        }
        AdminCommand::Licence(cmd) => crate::licence::admin::licence(db, config, cmd, now).await,
        AdminCommand::Clerk(ClerkCommand::Disable { id }) => {
            db.disable_clerk(id, now).await?;
            Ok(vec![format!("disabled {id}; their sessions ended")])
        }
        AdminCommand::Clerk(ClerkCommand::Import { file }) => {
            let bytes = read(file)?;
            let clerks = parse_clerks_csv(&bytes)?;
            let mut tx = db.pool.begin().await?;
            for clerk in &clerks {
                Database::upsert_clerk(&mut *tx, clerk, now).await?;
            }
            tx.commit().await?;
            let mut out: Vec<String> = clerks
                .iter()
                .map(|c| {
                    format!(
                        "imported {}\t{}\t{}\t{}",
                        c.id, c.name, c.department, c.post
                    )
                })
                .collect();
            out.push(crate::messages::clerks_imported(clerks.len()));
            Ok(out)
        }
        AdminCommand::Clerk(ClerkCommand::List) => {
            let bindings = db.active_bindings(None).await?;
            let mut out = Vec::new();
            for record in db.list_clerks().await? {
                let c = &record.clerk;
                out.push(format!(
                    "{}\t{}\t{}\t{}\t{}\t{}",
                    c.id,
                    c.name,
                    c.department,
                    c.post,
                    c.permissions.join(";"),
                    if record.active { "active" } else { "inactive" }
                ));
                for b in bindings.iter().filter(|b| b.clerk_id == c.id) {
                    out.push(format!(
                        "  cert serial={} issuer={} sha256={}",
                        b.serial, b.issuer, b.fingerprint
                    ));
                }
            }
            Ok(out)
        }
        AdminCommand::Cert(CertCommand::Bind { clerk, file }) => {
            let cert = read_cert(file)?;
            let mut out = Vec::new();
            if config.auth.ca_dir.is_some() {
                let trust = load_trust_store(config.auth.ca_dir.as_deref(), None)?;
                trust.issuer_of(&cert).map_err(|e| Error::AdminInput {
                    problem: AdminProblem::CertUntrusted {
                        detail: e.to_string(),
                    },
                })?;
            } else {
                out.push("note: no --ca-dir given, the issuer was not checked".into());
            }
            let outcome = db.bind_cert(clerk, &cert, now).await?;
            out.push(format!(
                "{} {} ← {} serial={} issuer={} sha256={}",
                match outcome {
                    BindOutcome::Bound => "bound",
                    BindOutcome::AlreadyBound => "already bound",
                },
                clerk,
                cert.subject_cn(),
                cert.serial_hex(),
                cert.issuer(),
                cert.fingerprint()
            ));
            Ok(out)
        }
        AdminCommand::Cert(CertCommand::Unbind {
            clerk,
            serial,
            file,
        }) => {
            let (serials, issuer) = match (serial, file) {
                (Some(s), _) => (serial_variants(s)?, None),
                (None, Some(f)) => {
                    let cert = read_cert(f)?;
                    (vec![cert.serial_hex()], Some(cert.issuer()))
                }
                (None, None) => {
                    return Err(Error::AdminInput {
                        problem: AdminProblem::NeedSerialOrFile,
                    })
                }
            };
            let ended = db
                .unbind_cert(clerk, &serials, issuer.as_deref(), now)
                .await?;
            if ended == 0 {
                return Err(Error::AdminInput {
                    problem: AdminProblem::NoBinding {
                        clerk: clerk.clone(),
                        serial: serials.first().cloned().unwrap_or_default(),
                    },
                });
            }
            Ok(vec![format!("unbound {ended} certificate(s) from {clerk}")])
        }
    }
}

/// Issues a one-time enrollment code (printed once, stored hashed) for a workstation.
pub async fn issue_code(
    db: &Database,
    hall: &str,
    window: u32,
    valid_hours: u32,
    now: i64,
) -> Result<(String, String, i64)> {
    let hall = crate::workstation::check_hall_code(hall)?;
    for (what, value, max) in [
        ("window", window, 9999),
        (
            "valid-hours",
            valid_hours,
            crate::workstation::MAX_CODE_HOURS,
        ),
    ] {
        if value == 0 || value > max {
            return Err(Error::AdminInput {
                problem: AdminProblem::OutOfRange {
                    what,
                    value: u64::from(value),
                },
            });
        }
    }
    let id = crate::workstation::workstation_id(&hall, window);
    let code = crate::workstation::new_code()?;
    let expires_at = now + i64::from(valid_hours) * 3_600_000;
    db.issue_enrollment_code(
        &id,
        &hall,
        window,
        &crate::workstation::code_hash(&code),
        now,
        expires_at,
    )
    .await?;
    Ok((id, crate::workstation::grouped(&code), expires_at))
}

async fn workstation(db: &Database, cmd: &WorkstationCommand, now: i64) -> Result<Vec<String>> {
    match cmd {
        WorkstationCommand::Enroll {
            hall,
            window,
            valid_hours,
        } => {
            let (id, code, expires_at) = issue_code(db, hall, *window, *valid_hours, now).await?;
            let mut out = vec![format!("workstation {id}"), format!("code {code}")];
            out.extend(crate::messages::enrollment_code_issued(
                &id,
                &code,
                &utc(expires_at),
            ));
            Ok(out)
        }
        WorkstationCommand::List => Ok(db
            .list_workstations()
            .await?
            .into_iter()
            .map(|w| {
                format!(
                    "{}\thall={}\twindow={}\t{}\tenrolled={}\tkey={}",
                    w.id,
                    w.hall_code,
                    w.window,
                    if w.enabled { "enabled" } else { "disabled" },
                    w.enrolled_at.map_or_else(|| "never".to_owned(), utc),
                    w.public_key.as_deref().unwrap_or("-"),
                )
            })
            .collect()),
        WorkstationCommand::Disable { id } => {
            db.set_workstation_enabled(id, false, now).await?;
            Ok(vec![format!(
                "disabled {id} (refused within {} s)",
                crate::workstation::guard::KEY_TTL.as_secs().max(1)
            )])
        }
        WorkstationCommand::Enable { id } => {
            db.set_workstation_enabled(id, true, now).await?;
            Ok(vec![format!("enabled {id}")])
        }
    }
}

/// Unix ms as `YYYY-MM-DD HH:MM` UTC.
pub(crate) fn utc(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil from days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60
    )
}

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| Error::AdminInput {
        problem: AdminProblem::Unreadable {
            path: path.display().to_string(),
            detail: e.to_string(),
        },
    })
}

fn read_cert(path: &Path) -> Result<Cert> {
    Cert::parse(&read(path)?).map_err(|e| Error::AdminInput {
        problem: AdminProblem::NotACert {
            path: path.display().to_string(),
            detail: e.to_string(),
        },
    })
}

/// `0A:1B`, `0a1b`, `00 0A 1B` → upper-case hex, with and without one leading `00` byte
/// (DER integers gain it when the top bit is set).
pub fn serial_variants(input: &str) -> Result<Vec<String>> {
    let hex: String = input
        .chars()
        .filter(|c| !matches!(c, ':' | ' ' | '-'))
        .collect::<String>()
        .to_ascii_uppercase();
    if hex.is_empty() || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(Error::AdminInput {
            problem: AdminProblem::SerialNotHex {
                input: input.to_owned(),
            },
        });
    }
    let hex = if hex.len() % 2 == 1 {
        format!("0{hex}")
    } else {
        hex
    };
    let trimmed = hex.trim_start_matches("00");
    let trimmed = if trimmed.is_empty() { "00" } else { trimmed };
    let mut out = vec![trimmed.to_owned(), format!("00{trimmed}")];
    out.dedup();
    Ok(out)
}

/// Parses `id,name,department,post,permissions` rows (`permissions` `;`-separated). A first
/// row starting with `id` is a header. UTF-8 (a BOM is skipped); quoted fields allowed.
pub fn parse_clerks_csv(bytes: &[u8]) -> Result<Vec<Clerk>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let mut clerks: Vec<Clerk> = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 1;
        let record = record.map_err(|e| Error::AdminInput {
            problem: AdminProblem::CsvUnreadable {
                line,
                detail: e.to_string(),
            },
        })?;
        if record.iter().all(str::is_empty) {
            continue;
        }
        if i == 0 && record.get(0).is_some_and(|f| f.eq_ignore_ascii_case("id")) {
            continue;
        }
        if record.len() != 5 {
            return Err(Error::AdminInput {
                problem: AdminProblem::CsvColumns {
                    line,
                    got: record.len(),
                },
            });
        }
        let field = |n: usize| record.get(n).unwrap_or_default().to_owned();
        let clerk = Clerk {
            id: field(0),
            name: field(1),
            department: field(2),
            post: field(3),
            permissions: field(4)
                .split(';')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(str::to_owned)
                .collect(),
        };
        if clerk.id.is_empty() || clerk.name.is_empty() {
            return Err(Error::AdminInput {
                problem: AdminProblem::CsvMissingIdOrName { line },
            });
        }
        if clerks.iter().any(|c| c.id == clerk.id) {
            return Err(Error::AdminInput {
                problem: AdminProblem::CsvDuplicate {
                    line,
                    id: clerk.id.clone(),
                },
            });
        }
        clerks.push(clerk);
    }
    Ok(clerks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_with_header_bom_quotes_and_permissions() {
        let csv = "\u{feff}id,name,department,post,permissions\n\
                   C001,张三,市政务服务中心,综合窗口,accept;query\n\
                   C002,\"李四\",\"不动产登记, 二科\",窗口,\n";
        let clerks = parse_clerks_csv(csv.as_bytes()).unwrap();
        assert_eq!(clerks.len(), 2);
        assert_eq!(clerks[0].permissions, ["accept", "query"]);
        assert_eq!(clerks[1].department, "不动产登记, 二科");
        assert!(clerks[1].permissions.is_empty());
    }

    #[test]
    fn csv_errors_name_the_line() {
        let err = parse_clerks_csv("C001,张三,部门\n".as_bytes()).unwrap_err();
        assert!(err.detail().contains("第 1 行"), "{}", err.detail());
        let err = parse_clerks_csv(",张三,a,b,c\n".as_bytes()).unwrap_err();
        assert!(err.detail().contains("编号"));
        let err = parse_clerks_csv("a,b,c,d,e\na,b,c,d,e\n".as_bytes()).unwrap_err();
        assert!(err.detail().contains("重复"));
        assert!(parse_clerks_csv(b"a,\xff\xfe,c,d,e\n").is_err());
    }

    #[test]
    fn utc_times_print() {
        assert_eq!(utc(0), "1970-01-01 00:00");
        assert_eq!(utc(1_796_515_200_000), "2026-12-06 00:00");
    }

    #[test]
    fn serials_normalize() {
        assert_eq!(serial_variants("0a:1b").unwrap(), ["0A1B", "000A1B"]);
        assert_eq!(serial_variants("00 8F").unwrap(), ["8F", "008F"]);
        assert!(serial_variants("xyz").is_err());
    }
}
