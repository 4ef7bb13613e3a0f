//! Scheduling: inputs processed on every thread of a pool, results handed to the writer in input order through a
//! bounded reorder buffer.

use super::RunError;
use super::discover::{Input, Inputs};

/// How far the workers may run ahead of the writer (documents done but not yet written, at most).
const WINDOW: usize = 256;

/// How many consecutive inputs a worker takes at once: one hand-over to the writer per chunk rather than per
/// document, which dominated a run where most documents are unchanged (a `stat` each).
const CHUNK: usize = 16;

/// Processes `inputs` on every thread of `pool` and hands each result to `write` in input order, on the calling
/// thread, as soon as it and all before it are done. Workers take inputs in order, [`CHUNK`] at a time, and never
/// run more than [`WINDOW`] ahead of the writer, so the reorder buffer (and memory) stays bounded; there is no
/// barrier at which fast threads wait for a slow document. The first error from `write` stops the workers and is
/// returned.
pub(super) fn in_order<T: Send>(
    pool: &rayon::ThreadPool,
    inputs: &Inputs,
    process: impl Fn(&Input) -> T + Sync,
    mut write: impl FnMut(&Input, T) -> Result<(), RunError>,
) -> Result<(), RunError> {
    use std::collections::BTreeMap;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Condvar, Mutex, mpsc};

    let next = AtomicUsize::new(0);
    // How many have been written, or usize::MAX once the writer gave up.
    let written = (Mutex::new(0usize), Condvar::new());
    let (tx, rx) = mpsc::sync_channel::<(usize, Vec<(Input, T)>)>(WINDOW / CHUNK);
    std::thread::scope(|scope| {
        let (next, written, process) = (&next, &written, &process);
        scope.spawn(move || {
            pool.broadcast(|_| {
                let tx = tx.clone();
                loop {
                    let first = next.fetch_add(CHUNK, Ordering::Relaxed);
                    if first >= inputs.len() {
                        return;
                    }
                    {
                        let (lock, wake) = written;
                        let mut done = lock.lock().unwrap_or_else(|e| e.into_inner());
                        while *done != usize::MAX && first >= *done + WINDOW {
                            done = wake.wait(done).unwrap_or_else(|e| e.into_inner());
                        }
                        if *done == usize::MAX {
                            return;
                        }
                    }
                    let chunk = (first..first.saturating_add(CHUNK))
                        .map_while(|index| inputs.get(index))
                        .map(|input| {
                            let value = process(&input);
                            (input, value)
                        })
                        .collect();
                    if tx.send((first, chunk)).is_err() {
                        return;
                    }
                }
            });
            drop(tx);
        });
        let mut pending = BTreeMap::new();
        let mut done = 0usize;
        let result = (|| {
            for (first, chunk) in &rx {
                pending.insert(first, chunk);
                let before = done;
                while let Some(chunk) = pending.remove(&done) {
                    for (input, value) in chunk {
                        write(&input, value)?;
                        done += 1;
                    }
                }
                if done != before {
                    let (lock, wake) = &written;
                    *lock.lock().unwrap_or_else(|e| e.into_inner()) = done;
                    wake.notify_all();
                }
            }
            Ok(())
        })();
        if result.is_err() {
            let (lock, wake) = &written;
            *lock.lock().unwrap_or_else(|e| e.into_inner()) = usize::MAX;
            wake.notify_all();
        }
        drop(rx);
        result
    })
}
