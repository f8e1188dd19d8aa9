//! The encrypted store shared by several processes: the app's connections (UI and sync
//! loop) and a reader in another process (a support tool, the E2E tests). SQLite's locks
//! are POSIX advisory locks, which a process loses on *every* descriptor of the file when it
//! closes any one of them; a store that opened its own file outside SQLite let another
//! process believe it was alone, checkpoint and truncate the WAL under the app's feet, and
//! every later write of the app became invisible to everyone else (issue 15, E2E c6).

use std::path::Path;
use std::process::Command;

use yichuang_core::infra::keystore::StoreKey;
use yichuang_core::infra::store::Store;

const PEER_DB: &str = "YICHUANG_STORE_PEER_DB";
const KEY: [u8; 32] = [7; 32];

fn count(store: &mut Store) -> i64 {
    store
        .conn()
        .query_row("SELECT COUNT(*) FROM peer_rows", [], |r| r.get(0))
        .unwrap()
}

/// Runs [`peer_reads_and_closes`] in a child process; what it counted.
fn peer_count(db: &Path) -> i64 {
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--ignored",
            "--exact",
            "peer_reads_and_closes",
            "--nocapture",
        ])
        .env(PEER_DB, db)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "peer failed: {stdout}");
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("peer count "))
        .unwrap_or_else(|| panic!("no count in {stdout}"))
        .trim()
        .parse()
        .unwrap()
}

#[test]
fn j2_a_second_connection_of_the_app_keeps_what_it_writes_visible_to_other_processes() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("workstation.db");
    let key = StoreKey::from_bytes(KEY);
    let mut ui = Store::open_encrypted(&db, &key).unwrap();
    ui.conn()
        .execute_batch("CREATE TABLE peer_rows (n INTEGER); INSERT INTO peer_rows VALUES (1);")
        .unwrap();
    // The sync loop's connection, opened while the UI's is open (as the app does).
    let mut sync = Store::open_encrypted(&db, &key).unwrap();
    assert_eq!(peer_count(&db), 1, "a reader in another process");
    for n in 2..=4 {
        sync.transact(|tx| tx.execute("INSERT INTO peer_rows VALUES (?1)", [n]))
            .unwrap();
        assert_eq!(
            count(&mut ui),
            n,
            "the UI's connection sees the sync loop's write"
        );
        assert_eq!(
            peer_count(&db),
            n,
            "another process sees the sync loop's write {n}"
        );
    }
}

/// Child side of [`peer_count`] (not a test of its own: run only by that test).
#[test]
#[ignore = "run by j2_… in a child process"]
fn peer_reads_and_closes() {
    let db = std::env::var(PEER_DB).expect("run by j2_… with the database path");
    let mut store = Store::open_encrypted(Path::new(&db), &StoreKey::from_bytes(KEY)).unwrap();
    println!("peer count {}", count(&mut store));
}
