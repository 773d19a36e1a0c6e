//! `capy:sandbox/output`: what the script prints, counted against the
//! output limit, then captured or streamed (`crate::output`).

use wasmtime::component::HasData;

use crate::bindings::capy::sandbox::output::{self as wit, Channel};
use crate::budget::RunClock;
use crate::output::{OutputCapture, Stream};

/// What `capy:sandbox/output` sees of a sandbox's state.
pub(crate) struct OutputView<'a> {
    pub(crate) output: &'a mut OutputCapture,
    pub(crate) clock: &'a mut RunClock,
}

/// Links `capy:sandbox/output` through [`OutputView`].
pub(crate) struct Output;

impl HasData for Output {
    type Data<'a> = OutputView<'a>;
}

impl wit::Host for OutputView<'_> {
    fn write(&mut self, channel: Channel, data: Vec<u8>) -> wasmtime::Result<()> {
        let stream = match channel {
            Channel::Stdout => Stream::Stdout,
            Channel::Stderr => Stream::Stderr,
        };
        let started = std::time::Instant::now();
        let written = self.output.write(stream, &data);
        // A streaming callback's time is the host's, not the script's CPU.
        self.clock.add_host_time(started.elapsed());
        // Past the limit: a trap that ends the run (`LimitTrap`).
        written?;
        Ok(())
    }
}
