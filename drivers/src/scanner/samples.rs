//! Data table: sample scan payloads for the simulator, `diagnose` and the tests. Only the
//! data; [`super::simulator`] re-exports it.

/// Sample payloads of the kinds a service hall scans, for `diagnose` and the control surface.
pub const SAMPLE_SCANS: [&str; 4] = [
    "BJ-DC-20250601-000123",
    "办件编号:DC2025060100123;申请人:张伟;事项:不动产登记",
    "6901234567892",
    "https://zwfw.example.gov.cn/q?c=11010119850312003X",
];
