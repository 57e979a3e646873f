//! The one Symbolica thread of the process.
//!
//! Unlicensed Symbolica allows one Symbolica thread per user (a second thread aborts the process).
//! Every Symbolica call of this crate therefore runs as a job on a single long-lived worker thread,
//! started on first use and served through a channel; callers get plain data (strings, numbers)
//! back, never Symbolica values. Jobs from concurrent callers (e.g. parallel tests) are executed one
//! after another on that thread.

use crate::error::{Error, Result};
use std::sync::mpsc::{channel, sync_channel, Sender};
use std::sync::{Mutex, OnceLock};

type Job = Box<dyn FnOnce() + Send + 'static>;

static WORKER: OnceLock<Mutex<Sender<Job>>> = OnceLock::new();

fn sender() -> Result<Sender<Job>> {
    let m = WORKER.get_or_init(|| {
        let (tx, rx) = channel::<Job>();
        std::thread::Builder::new()
            .name("symbolica".into())
            .spawn(move || {
                for job in rx {
                    job();
                }
            })
            .expect("spawning the Symbolica worker thread");
        Mutex::new(tx)
    });
    m.lock()
        .map(|s| s.clone())
        .map_err(|_| Error::failed("the Symbolica worker channel is poisoned"))
}

/// Run `f` on the Symbolica worker thread and wait for its result. A panic inside `f` becomes
/// [`Error::failed`].
pub fn run<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T> {
    let (rtx, rrx) = sync_channel(1);
    let job: Job = Box::new(move || {
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
        let _ = rtx.send(r);
    });
    sender()?
        .send(job)
        .map_err(|_| Error::failed("the Symbolica worker thread has stopped"))?;
    match rrx.recv() {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(_)) => Err(Error::failed(
            "a symbolic computation panicked on the Symbolica worker thread",
        )),
        Err(_) => Err(Error::failed("the Symbolica worker thread has stopped")),
    }
}
