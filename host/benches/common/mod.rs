//! What the harness-less benches share.

/// This process's resident set size in bytes, from `/proc/self/statm`
/// (Linux; 0 elsewhere).
pub fn resident_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|field| field.parse().ok())
        .unwrap_or(0);
    pages * 4096
}
