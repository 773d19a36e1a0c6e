//! The script's stdout and stderr: counted against the output limit, then
//! captured or streamed to the host application.

use capy_policy::Limit;

use crate::error::{LimitTrap, PythonException};

/// `text` if it has at most `room` bytes, else its longest prefix that does
/// (on a character boundary) and a line saying how much was cut.
fn cut(mut text: String, room: usize, max: u64) -> String {
    if text.len() <= room {
        return text;
    }
    let mut end = room;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let dropped = text.len() - end;
    text.truncate(end);
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(&format!(
        "[capy: {dropped} more bytes cut at the output limit of {max} bytes]\n"
    ));
    text
}

/// One of the script's two output streams.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// `sys.stdout`, where `print` writes.
    Stdout,
    /// `sys.stderr`.
    Stderr,
}

/// Where output goes: kept for the [`Outcome`](crate::Outcome), or handed to
/// a callback as it is produced.
pub(crate) type StreamFn = Box<dyn FnMut(Stream, &[u8]) + Send>;

/// Output of the current run, with its byte budget.
pub(crate) struct OutputCapture {
    max: u64,
    used: u64,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    stream: Option<StreamFn>,
}

impl OutputCapture {
    pub(crate) fn new(max: u64, stream: Option<StreamFn>) -> Self {
        OutputCapture {
            max,
            used: 0,
            stdout: Vec::new(),
            stderr: Vec::new(),
            stream,
        }
    }

    /// Accepts a chunk from the guest. Past the limit, keeps what fits and
    /// returns the trap that ends the run.
    pub(crate) fn write(&mut self, stream: Stream, data: &[u8]) -> Result<(), LimitTrap> {
        let room = self.max.saturating_sub(self.used);
        let fits = data.len().min(usize::try_from(room).unwrap_or(usize::MAX));
        self.used += fits as u64;
        self.deliver(stream, &data[..fits]);
        if fits < data.len() {
            return Err(LimitTrap(Limit::Output(self.max)));
        }
        Ok(())
    }

    /// A run begins: the whole budget is available again.
    pub(crate) fn start_run(&mut self) {
        self.used = 0;
    }

    fn deliver(&mut self, stream: Stream, data: &[u8]) {
        if data.is_empty() {
            return;
        }
        if let Some(callback) = &mut self.stream {
            // A callback that panics must not unwind out of `run()` (issue
            // 23 item 10): it is dropped, and this chunk and the rest of the
            // output are kept for the `Outcome` instead, so nothing is lost.
            let delivered =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| callback(stream, data)));
            if delivered.is_ok() {
                return;
            }
            tracing::error!("the stream_output callback panicked; output is kept in the outcome");
            self.stream = None;
        }
        match stream {
            Stream::Stdout => self.stdout.extend_from_slice(data),
            Stream::Stderr => self.stderr.extend_from_slice(data),
        }
    }

    /// Bounds the text the host reports on the script's behalf when a run
    /// raised (the traceback, and the message within it): the traceback is
    /// charged against what is left of the output budget and, past it, cut
    /// with a marker; the message is cut to the same room. A script cannot
    /// print past the limit by raising what it could not print.
    pub(crate) fn bound_exception(&mut self, mut exception: PythonException) -> PythonException {
        let room = usize::try_from(self.max.saturating_sub(self.used)).unwrap_or(usize::MAX);
        let charged = exception.traceback.len().min(room);
        self.used += charged as u64;
        exception.traceback = cut(exception.traceback, room, self.max);
        exception.message = cut(exception.message, room, self.max);
        exception
    }

    /// Hands over what this run captured.
    pub(crate) fn take(&mut self) -> (Vec<u8>, Vec<u8>) {
        (
            std::mem::take(&mut self.stdout),
            std::mem::take(&mut self.stderr),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_within_the_limit_is_kept_per_stream() {
        let mut out = OutputCapture::new(10, None);
        out.write(Stream::Stdout, b"abc").unwrap();
        out.write(Stream::Stderr, b"de").unwrap();
        assert_eq!(out.take(), (b"abc".to_vec(), b"de".to_vec()));
    }

    #[test]
    fn the_limit_counts_both_streams_and_keeps_what_fits() {
        let mut out = OutputCapture::new(5, None);
        out.write(Stream::Stdout, b"abc").unwrap();
        let err = out.write(Stream::Stderr, b"defg").unwrap_err();
        assert_eq!(err.0, Limit::Output(5));
        assert_eq!(out.take(), (b"abc".to_vec(), b"de".to_vec()));
    }

    #[test]
    fn a_panicking_stream_callback_falls_back_to_keeping_the_output() {
        let mut calls = 0;
        let callback: StreamFn = Box::new(move |_, _| {
            calls += 1;
            if calls == 2 {
                panic!("embedder bug");
            }
        });
        let mut capture = OutputCapture::new(100, Some(callback));
        capture.write(Stream::Stdout, b"one").unwrap();
        capture.write(Stream::Stdout, b"two").unwrap();
        capture.write(Stream::Stderr, b"three").unwrap();
        assert_eq!(capture.stdout, b"two");
        assert_eq!(capture.stderr, b"three");
        assert!(capture.stream.is_none());
    }

    #[test]
    fn each_run_starts_with_the_whole_budget() {
        let mut out = OutputCapture::new(3, None);
        out.write(Stream::Stdout, b"abc").unwrap();
        out.take();
        out.start_run();
        out.write(Stream::Stdout, b"xyz").unwrap();
        assert_eq!(out.take().0, b"xyz");
    }

    fn exception(message: &str, traceback: &str) -> PythonException {
        PythonException {
            type_name: "ValueError".to_owned(),
            message: message.to_owned(),
            traceback: traceback.to_owned(),
        }
    }

    #[test]
    fn a_traceback_that_fits_is_kept_whole_and_charged() {
        let mut out = OutputCapture::new(20, None);
        out.write(Stream::Stdout, b"12345").unwrap();
        let bounded = out.bound_exception(exception("m", "Traceback\nm\n"));
        assert_eq!(bounded, exception("m", "Traceback\nm\n"));
        // 5 printed + 12 of traceback leave 3.
        assert!(out.write(Stream::Stdout, b"abcd").is_err());
    }

    #[test]
    fn a_traceback_past_the_limit_is_cut_with_a_marker() {
        let mut out = OutputCapture::new(10, None);
        out.write(Stream::Stderr, b"1234").unwrap();
        let message = "T".repeat(1000);
        let bounded = out.bound_exception(exception(&message, &format!("E: {message}\n")));
        assert_eq!(
            bounded.traceback,
            "E: TTT\n[capy: 998 more bytes cut at the output limit of 10 bytes]\n"
        );
        assert!(bounded.message.starts_with("TTTTTT\n[capy: 994 more bytes"));
        assert!(
            out.write(Stream::Stdout, b"x").is_err(),
            "the budget is spent"
        );
    }

    #[test]
    fn cutting_never_splits_a_character() {
        let cut = cut("\u{e9}\u{e9}\u{e9}".to_owned(), 3, 3);
        assert_eq!(
            cut,
            "\u{e9}\n[capy: 4 more bytes cut at the output limit of 3 bytes]\n"
        );
    }
}
