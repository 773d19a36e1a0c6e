//! The audit log: one JSON line per capability call, for the host operator.

use std::io::Write;
use std::time::SystemTime;

use capy_policy::Limit;
use serde::Serialize;

use crate::error::LimitTrap;

/// Where audit records go (a file, a pipe, a buffer in tests).
pub type AuditSink = Box<dyn Write + Send>;

/// One capability call, as the host describes it: a file-system call
/// (`grant` and `path`) or a host-function call (`function`).
#[derive(Debug, Default, Serialize)]
pub(crate) struct AuditRecord<'a> {
    /// The grant the handle descends from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grant: Option<&'a str>,
    /// The host function called (the name the guest sent, cut as `path`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub function: Option<&'a str>,
    /// The operation, e.g. `read`, `write`, `open`, `rename`, `call`.
    pub op: &'a str,
    /// The virtual path the script named (`/data/a.txt`), cut at
    /// [`AuditLog::MAX_NAME_CHARS`] characters with a `…`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The path's full length in bytes, when it was cut.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path_length: Option<usize>,
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
/// ignored, so auditing never changes what the script sees. Everything in
/// a record that the guest chose is bounded ([`AuditLog::MAX_NAME_CHARS`]),
/// and so is the whole log ([`AuditLog::BUDGET`]): past it the log says so
/// in a last record and the run ends with [`Limit::AuditLog`].
pub(crate) struct AuditLog {
    sink: AuditSink,
    failed: bool,
    written: u64,
    full: bool,
}

impl AuditLog {
    /// The most characters of a guest-chosen name (a path, a function
    /// name) a record carries. An 8 MiB path in an `exists()` loop once
    /// wrote 151 MB of log within the default CPU limit.
    pub const MAX_NAME_CHARS: usize = 256;
    /// Bytes of log a sandbox may write, over all its runs: 64 MiB.
    pub const BUDGET: u64 = 64 << 20;

    pub fn new(sink: AuditSink) -> AuditLog {
        AuditLog {
            sink,
            failed: false,
            written: 0,
            full: false,
        }
    }

    /// Writes `record`, stamped with the current time, or ends the run if
    /// the log's budget is spent.
    pub fn record(&mut self, mut record: AuditRecord<'_>) -> Result<(), LimitTrap> {
        if self.full {
            return Err(LimitTrap(Limit::AuditLog(Self::BUDGET)));
        }
        if let Some(path) = &mut record.path
            && let Some(cut) = cut_name(path)
        {
            record.path_length = Some(path.len());
            *path = cut;
        }
        let function_cut = record.function.and_then(cut_name);
        let record = AuditRecord {
            function: function_cut.as_deref().or(record.function),
            ..record
        };
        let mut line = self.line(record);
        if self.written + line.len() as u64 > Self::BUDGET {
            self.full = true;
            line = self.line(AuditRecord {
                op: "audit-log-full",
                bytes: Some(Self::BUDGET),
                outcome: "limit",
                ..AuditRecord::default()
            });
            self.write(&line);
            return Err(LimitTrap(Limit::AuditLog(Self::BUDGET)));
        }
        self.written += line.len() as u64;
        self.write(&line);
        Ok(())
    }

    fn line(&self, record: AuditRecord<'_>) -> Vec<u8> {
        let stamped = Stamped {
            time: humantime::format_rfc3339_micros(SystemTime::now()).to_string(),
            record,
        };
        let mut line = serde_json::to_vec(&stamped).unwrap_or_default();
        line.push(b'\n');
        line
    }

    fn write(&mut self, line: &[u8]) {
        if self.failed {
            return;
        }
        let result = self.sink.write_all(line).and_then(|()| self.sink.flush());
        if let Err(error) = result {
            tracing::warn!("the audit log cannot be written, no further records: {error}");
            self.failed = true;
        }
    }
}

/// `name` cut to [`AuditLog::MAX_NAME_CHARS`] characters and a `…`, if it
/// is longer.
fn cut_name(name: &str) -> Option<String> {
    let (end, _) = name.char_indices().nth(AuditLog::MAX_NAME_CHARS)?;
    Some(format!("{}…", &name[..end]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl Write for Buffer {
        fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(data);
            Ok(data.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn lines(buffer: &Buffer) -> Vec<serde_json::Value> {
        String::from_utf8(buffer.0.lock().unwrap().clone())
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    #[test]
    fn long_guest_names_are_cut_with_their_length() {
        let buffer = Buffer::default();
        let mut log = AuditLog::new(Box::new(buffer.clone()));
        let path = format!("/data/{}", "é".repeat(10_000));
        let function = "f".repeat(1000);
        log.record(AuditRecord {
            grant: Some("data"),
            op: "stat",
            path: Some(path.clone()),
            outcome: "ok",
            ..AuditRecord::default()
        })
        .unwrap();
        log.record(AuditRecord {
            function: Some(&function),
            op: "call",
            outcome: "error",
            ..AuditRecord::default()
        })
        .unwrap();
        let lines = lines(&buffer);
        let cut = lines[0]["path"].as_str().unwrap();
        assert_eq!(cut.chars().count(), AuditLog::MAX_NAME_CHARS + 1);
        assert!(cut.ends_with('…') && path.starts_with(cut.trim_end_matches('…')));
        assert_eq!(lines[0]["path_length"], path.len());
        assert_eq!(
            lines[1]["function"].as_str().unwrap().chars().count(),
            AuditLog::MAX_NAME_CHARS + 1
        );
        // Short names are as they were, with no length.
        log.record(AuditRecord {
            grant: Some("data"),
            op: "stat",
            path: Some("/data/a.txt".into()),
            outcome: "ok",
            ..AuditRecord::default()
        })
        .unwrap();
        let lines = self::lines(&buffer);
        assert_eq!(lines[2]["path"], "/data/a.txt");
        assert!(lines[2].get("path_length").is_none());
    }

    #[test]
    fn a_spent_budget_is_a_named_limit_with_a_last_record() {
        let buffer = Buffer::default();
        let mut log = AuditLog::new(Box::new(buffer.clone()));
        let path = format!("/data/{}", "x".repeat(250));
        let mut records = 0u64;
        let error = loop {
            let result = log.record(AuditRecord {
                grant: Some("data"),
                op: "stat",
                path: Some(path.clone()),
                outcome: "not-found",
                ..AuditRecord::default()
            });
            match result {
                Ok(()) => records += 1,
                Err(error) => break error,
            }
            assert!(records < AuditLog::BUDGET, "the budget never ran out");
        };
        assert_eq!(error.0, Limit::AuditLog(AuditLog::BUDGET));
        let written = buffer.0.lock().unwrap().len() as u64;
        // Within the budget, plus the one record that says it is full.
        assert!(written <= AuditLog::BUDGET + 200, "{written}");
        let last = lines(&buffer).pop().unwrap();
        assert_eq!(last["op"], "audit-log-full");
        assert_eq!(last["outcome"], "limit");
        // And it stays full: nothing more is written.
        assert!(log.record(AuditRecord::default()).is_err());
        assert_eq!(buffer.0.lock().unwrap().len() as u64, written);
    }
}
