//! Demo data: the sample clerk shown as the example of the `Clerk` schema in the OpenAPI
//! document. Not a real person; nothing here is clerk- or citizen-facing text.

/// Example clerk name.
pub const CLERK_NAME: &str = "张三";

/// Example department.
pub const CLERK_DEPARTMENT: &str = "市政务服务中心";

/// Example post (window).
pub const CLERK_POST: &str = "综合窗口";
