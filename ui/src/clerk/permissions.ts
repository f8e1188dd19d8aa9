// The clerk's permissions as the server grants them (`accept`, `query`, `print`, …: codes of the
// clerk admin CSV) in the words of the counter. No Rust label table exists for them; a code
// without a label shows as it is.
const labels: Record<string, string> = {
  accept: '收件受理',
  query: '查询',
  print: '打印',
  export: '导出',
  reprint: '补打',
  change: '变更登记',
  issue: '出件',
  admin: '系统管理',
}

export function permissionLabel(code: string): string {
  return labels[code] ?? code
}
