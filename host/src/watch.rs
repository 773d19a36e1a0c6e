//! Pending async host calls, raced against the run's wall-clock budget and
//! `terminate()`.
//!
//! While an async host function is pending the guest executes nothing, so
//! the epoch ticker that enforces the time limits cannot end the run. A
//! host future that never finishes (a lost reply, `std::future::pending()`)
//! would otherwise hang `run()` for good (issue 23 item 9). [`watched`]
//! wraps the future: it is dropped as soon as the wall-clock deadline
//! passes or the sandbox is terminated.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use futures_timer::Delay;

use crate::handle::Controls;

/// How a watched host call ended.
pub(crate) enum Watched<T> {
    /// The host future finished with `T`.
    Finished(T),
    /// The wall-clock deadline passed first; the future was dropped.
    PastDeadline,
    /// `terminate()` was asked first; the future was dropped.
    Terminated,
}

/// Polls `future` until it finishes, `deadline` passes (if there is one)
/// or `controls` is terminated. A future that is ready at once finishes
/// even past the deadline: a host call the script makes during its grace
/// period still works if it does not wait.
pub(crate) async fn watched<F: Future + Unpin>(
    future: F,
    deadline: Option<Instant>,
    controls: &Controls,
) -> Watched<F::Output> {
    // futures-timer's `Delay` runs on its own timer thread, so this works
    // under any executor (the caller's runtime may have no Tokio timers).
    let timer = deadline.map(|at| Delay::new(at.saturating_duration_since(Instant::now())));
    Race {
        future,
        timer,
        controls,
    }
    .await
}

struct Race<'a, F> {
    future: F,
    timer: Option<Delay>,
    controls: &'a Controls,
}

impl<F: Future + Unpin> Future for Race<'_, F> {
    type Output = Watched<F::Output>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if self.controls.wake_on_terminate(cx.waker()) {
            return Poll::Ready(Watched::Terminated);
        }
        if let Poll::Ready(output) = Pin::new(&mut self.future).poll(cx) {
            return Poll::Ready(Watched::Finished(output));
        }
        let past_deadline = match &mut self.timer {
            Some(timer) => Pin::new(timer).poll(cx).is_ready(),
            None => false,
        };
        if past_deadline {
            Poll::Ready(Watched::PastDeadline)
        } else {
            Poll::Pending
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn block_on<F: Future>(future: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(future)
    }

    #[test]
    fn a_ready_future_finishes_even_past_its_deadline() {
        let controls = Controls::default();
        let past = Instant::now() - Duration::from_secs(1);
        let ended = block_on(watched(std::future::ready(7), Some(past), &controls));
        assert!(matches!(ended, Watched::Finished(7)));
    }

    #[test]
    fn a_future_that_never_finishes_is_dropped_at_the_deadline() {
        let controls = Controls::default();
        let started = Instant::now();
        let deadline = started + Duration::from_millis(50);
        // No Tokio timers in this runtime: the deadline must not need them.
        let ended = block_on(watched(
            std::future::pending::<()>(),
            Some(deadline),
            &controls,
        ));
        assert!(matches!(ended, Watched::PastDeadline));
        assert!(started.elapsed() >= Duration::from_millis(50));
    }

    #[test]
    fn a_terminate_from_another_thread_wakes_the_wait() {
        let controls = std::sync::Arc::new(Controls::default());
        let handle = crate::SandboxHandle {
            controls: controls.clone(),
        };
        let (waiting_tx, waiting_rx) = std::sync::mpsc::channel();
        let terminator = std::thread::spawn(move || {
            waiting_rx.recv().unwrap();
            handle.terminate();
        });
        let signal_then_wait = async {
            waiting_tx.send(()).unwrap();
            std::future::pending::<()>().await
        };
        let ended = block_on(watched(Box::pin(signal_then_wait), None, &controls));
        assert!(matches!(ended, Watched::Terminated));
        terminator.join().unwrap();
    }
}
