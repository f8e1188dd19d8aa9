//! The admin CLI changes a running server's database from another process (another pool
//! here): what it writes is what the next request sees.

mod common;

use yichuang_server::config::{AdminCommand, ClerkCommand};
use yichuang_server::ServerConfig;

use common::{any_port, random_hall, Running, Ws};

#[tokio::test]
async fn i15_a_clerk_disabled_by_the_admin_cli_leaves_the_pulled_list_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    let config = ServerConfig::sqlite(any_port(), tmp.path().join("data"));
    let csv = tmp.path().join("clerks.csv");
    std::fs::write(
        &csv,
        "id,name,department,post,permissions\nT-1,Clerk One,Hall,Window,accept\nT-2,Clerk Two,Hall,Window,accept\n",
    )
    .unwrap();
    yichuang_server::admin::run(
        &config,
        &AdminCommand::Clerk(ClerkCommand::Import { file: csv }),
    )
    .await
    .unwrap();
    let server = Running::start(config.clone()).await;
    let ws = Ws::enroll(&server, &random_hall(), 3).await;
    for round in 0..3 {
        let (status, doc) = ws.get_json("/api/v1/sync/clerks").await;
        assert_eq!(status, 200, "{doc}");
        assert!(doc.to_string().contains("T-1"), "round {round}: {doc}");
    }
    yichuang_server::admin::run(
        &config,
        &AdminCommand::Clerk(ClerkCommand::Disable { id: "T-1".into() }),
    )
    .await
    .unwrap();
    for round in 0..6 {
        let (status, doc) = ws.get_json("/api/v1/sync/clerks").await;
        assert_eq!(status, 200, "{doc}");
        assert!(!doc.to_string().contains("T-1"), "round {round}: {doc}");
    }
    server.stop().await;
}
