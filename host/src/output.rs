//! The script's stdout and stderr: counted against the output limit, then
//! captured or streamed to the host application.

use capy_policy::Limit;

use crate::error::LimitTrap;

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

    fn deliver(&mut self, stream: Stream, data: &[u8]) {
        if data.is_empty() {
            return;
        }
        match (&mut self.stream, stream) {
            (Some(callback), _) => callback(stream, data),
            (None, Stream::Stdout) => self.stdout.extend_from_slice(data),
            (None, Stream::Stderr) => self.stderr.extend_from_slice(data),
        }
    }

    /// Hands over what this run captured and resets the budget for the next run.
    pub(crate) fn take(&mut self) -> (Vec<u8>, Vec<u8>) {
        self.used = 0;
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
    fn take_resets_the_budget_for_the_next_run() {
        let mut out = OutputCapture::new(3, None);
        out.write(Stream::Stdout, b"abc").unwrap();
        out.take();
        out.write(Stream::Stdout, b"xyz").unwrap();
        assert_eq!(out.take().0, b"xyz");
    }
}
