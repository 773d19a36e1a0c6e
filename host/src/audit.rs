//! The audit log: one JSON line per capability call, for the host operator.

use std::io::Write;
use std::time::SystemTime;

use serde::Serialize;

/// Where audit records go (a file, a pipe, a buffer in tests).
pub type AuditSink = Box<dyn Write + Send>;

/// One capability call, as the host describes it: a file-system call
/// (`grant` and `path`) or a host-function call (`function`).
#[derive(Debug, Default, Serialize)]
pub(crate) struct AuditRecord<'a> {
    /// The grant the handle descends from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grant: Option<&'a str>,
    /// The host function called.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub function: Option<&'a str>,
    /// The operation, e.g. `read`, `write`, `open`, `rename`, `call`.
    pub op: &'a str,
    /// The virtual path the script named (`/data/a.txt`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Bytes read or written, for calls that move data.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
    /// `ok`, or the error kind the script got (`permission-denied`, ...).
    pub outcome: &'a str,
}

/// A line of the log: the record with its RFC 3339 UTC time first.
#[derive(Serialize)]
struct Stamped<'a> {
    time: String,
    #[serde(flatten)]
    record: AuditRecord<'a>,
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

    /// Writes `record`, stamped with the current time.
    pub fn record(&mut self, record: AuditRecord<'_>) {
        if self.failed {
            return;
        }
        let line = Stamped {
            time: humantime::format_rfc3339_micros(SystemTime::now()).to_string(),
            record,
        };
        let result = serde_json::to_writer(&mut self.sink, &line)
            .map_err(std::io::Error::from)
            .and_then(|()| self.sink.write_all(b"\n"))
            .and_then(|()| self.sink.flush());
        if let Err(error) = result {
            tracing::warn!("the audit log cannot be written, no further records: {error}");
            self.failed = true;
        }
    }
}
