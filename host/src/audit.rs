//! The audit log: one JSON line per capability call, for the host operator.

use std::io::Write;
use std::time::SystemTime;

use serde::Serialize;

/// Where audit records go (a file, a pipe, a buffer in tests).
pub type AuditSink = Box<dyn Write + Send>;

/// One capability call, as written to the audit log.
#[derive(Debug, Serialize)]
pub(crate) struct AuditRecord<'a> {
    /// RFC 3339 UTC time of the call.
    pub time: String,
    /// The grant the handle descends from.
    pub grant: &'a str,
    /// The operation, e.g. `read`, `write`, `open`, `rename`.
    pub op: &'a str,
    /// The virtual path the script named (`/data/a.txt`).
    pub path: String,
    /// Bytes read or written, for calls that move data.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
    /// `ok`, or the error kind the script got (`permission-denied`, ...).
    pub outcome: &'a str,
}

/// Writes [`AuditRecord`]s; a failing sink is reported once and then
/// ignored, so auditing never changes what the script sees.
pub(crate) struct AuditLog {
    sink: AuditSink,
    failed: bool,
}

impl AuditLog {
    pub fn new(sink: AuditSink) -> AuditLog {
        AuditLog {
            sink,
            failed: false,
        }
    }

    pub fn record(&mut self, mut record: AuditRecord<'_>) {
        if self.failed {
            return;
        }
        record.time = humantime::format_rfc3339_micros(SystemTime::now()).to_string();
        let result = serde_json::to_writer(&mut self.sink, &record)
            .map_err(std::io::Error::from)
            .and_then(|()| self.sink.write_all(b"\n"))
            .and_then(|()| self.sink.flush());
        if let Err(error) = result {
            tracing::warn!("the audit log cannot be written, no further records: {error}");
            self.failed = true;
        }
    }
}
