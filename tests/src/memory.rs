//! Memory of a process tree, as the app bench measures it: the app (or the floor app) and the
//! WebKit web and network processes it spawned.

use std::path::Path;

/// One process's share of a tree's memory (kB, from `/proc/<pid>/smaps_rollup`).
#[derive(Debug, Clone)]
pub struct ProcessMemory {
    pub pid: u32,
    /// The kernel's short name (`comm`, e.g. `WebKitWebProces`).
    pub name: String,
    pub rss_kb: u64,
    /// Proportional set size: shared pages divided among the processes sharing them.
    pub pss_kb: u64,
    /// The largest parts of `pss_kb` by mapping ([`pss_by_mapping`]), at most eight.
    pub largest: Vec<(String, u64)>,
}

/// `(pid, parent pid)` of every process.
fn parents() -> Vec<(u32, u32)> {
    let mut parent_of = Vec::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return parent_of;
    };
    for e in entries.flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // The comm field may contain spaces; fields after the last ')' are fixed.
        if let Some(rest) = stat.rsplit(')').next() {
            if let Some(ppid) = rest
                .split_whitespace()
                .nth(1)
                .and_then(|p| p.parse::<u32>().ok())
            {
                parent_of.push((pid, ppid));
            }
        }
    }
    parent_of
}

/// `root` and all its descendants, root first.
pub fn process_tree(root: u32) -> Vec<u32> {
    let parent_of = parents();
    let mut tree = vec![root];
    let mut i = 0;
    while i < tree.len() {
        let p = tree[i];
        tree.extend(parent_of.iter().filter(|(_, pp)| *pp == p).map(|(c, _)| *c));
        i += 1;
    }
    tree
}

/// The first descendant of `root` running the executable `exe` (e.g. the app that
/// tauri-driver's WebKitWebDriver launched for a WebDriver session).
pub fn descendant_running(root: u32, exe: &Path) -> Option<u32> {
    let exe = std::fs::canonicalize(exe).ok()?;
    process_tree(root)
        .into_iter()
        .skip(1)
        .find(|pid| std::fs::read_link(format!("/proc/{pid}/exe")).is_ok_and(|p| p == exe))
}

/// Each process of `root`'s tree with its RSS and PSS.
pub fn tree_memory(root: u32) -> Vec<ProcessMemory> {
    let field = |text: &str, name: &str| -> u64 {
        text.lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    process_tree(root)
        .into_iter()
        .filter_map(|pid| {
            let rollup = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?;
            let name = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
            Some(ProcessMemory {
                pid,
                name: name.trim().to_owned(),
                rss_kb: field(&rollup, "Rss:"),
                pss_kb: field(&rollup, "Pss:"),
                largest: pss_by_mapping(pid).into_iter().take(8).collect(),
            })
        })
        .collect()
}

/// Sum of RSS and PSS (in kB) over a process and all its descendants (WebKit's web and
/// network processes are children of the app).
pub fn tree_memory_kb(root: u32) -> (u64, u64) {
    tree_memory(root)
        .iter()
        .fold((0, 0), |(rss, pss), p| (rss + p.rss_kb, pss + p.pss_kb))
}

/// A process's PSS (kB) by what is mapped: each file by its name, `[heap]`, `[stack]`, and all
/// anonymous mappings as `[anon]` (malloc arenas, JIT and GC heaps); largest first. The bench
/// prints it beside the totals, so a change in a figure can be traced to what grew.
pub fn pss_by_mapping(pid: u32) -> Vec<(String, u64)> {
    let Ok(smaps) = std::fs::read_to_string(format!("/proc/{pid}/smaps")) else {
        return Vec::new();
    };
    let mut by_name = std::collections::HashMap::<String, u64>::new();
    let mut current = String::new();
    for line in smaps.lines() {
        let mut words = line.split_whitespace();
        let first = words.next().unwrap_or("");
        if first.contains('-') && first.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
            // A mapping's header: address perms offset dev inode [path].
            let path = words.nth(4).unwrap_or("");
            current = match path {
                "" => "[anon]".to_owned(),
                p if p.starts_with('/') => p.rsplit('/').next().unwrap_or(p).to_owned(),
                p => p.to_owned(),
            };
        } else if first == "Pss:" {
            let kb: u64 = words.next().and_then(|v| v.parse().ok()).unwrap_or(0);
            *by_name.entry(current.clone()).or_default() += kb;
        }
    }
    let mut list: Vec<_> = by_name.into_iter().filter(|(_, kb)| *kb > 0).collect();
    list.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    list
}

/// The physical memory a process tree holds, each page counted once however many of the
/// tree's processes map it (in kB): the pages resident in any process of the tree, told apart
/// by their frame numbers in `/proc/<pid>/pagemap` (readable as root). Unlike PSS it does not
/// change when other programs on the machine map the same libraries, so two trees measured
/// at different moments compare. `None` when the frame numbers cannot be read (not root).
pub fn tree_unique_kb(root: u32) -> Option<u64> {
    use std::io::{Read, Seek, SeekFrom};
    const PAGE: u64 = 4096;
    let mut frames = std::collections::HashSet::new();
    for pid in process_tree(root) {
        let Ok(smaps) = std::fs::read_to_string(format!("/proc/{pid}/smaps")) else {
            continue;
        };
        let Ok(mut pagemap) = std::fs::File::open(format!("/proc/{pid}/pagemap")) else {
            continue;
        };
        let mut range: Option<(u64, u64)> = None;
        for line in smaps.lines() {
            let first = line.split_whitespace().next().unwrap_or("");
            if let Some((a, b)) = first.split_once('-') {
                if let (Ok(a), Ok(b)) = (u64::from_str_radix(a, 16), u64::from_str_radix(b, 16)) {
                    range = Some((a, b));
                    continue;
                }
            }
            // Only the mappings with resident pages are read page by page.
            let Some(rss) = line.strip_prefix("Rss:") else {
                continue;
            };
            let resident = rss
                .split_whitespace()
                .next()
                .and_then(|v| v.parse::<u64>().ok());
            let Some((start, end)) = range.take() else {
                continue;
            };
            if resident.unwrap_or(0) == 0 {
                continue;
            }
            let pages = (end - start) / PAGE;
            let mut entries = vec![0u8; (pages * 8) as usize];
            if pagemap.seek(SeekFrom::Start(start / PAGE * 8)).is_err()
                || pagemap.read_exact(&mut entries).is_err()
            {
                continue;
            }
            for entry in entries.chunks_exact(8) {
                let e = u64::from_le_bytes(entry.try_into().unwrap_or([0; 8]));
                let present = e >> 63 == 1;
                let frame = e & ((1 << 55) - 1);
                if present {
                    if frame == 0 {
                        return None; // frame numbers hidden: not root
                    }
                    frames.insert(frame);
                }
            }
        }
    }
    Some(frames.len() as u64 * PAGE / 1024)
}
