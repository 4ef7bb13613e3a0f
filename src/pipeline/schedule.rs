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

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;

    /// `n` empty files named by their index, so that input order is index order.
    fn inputs(dir: &std::path::Path, n: usize) -> Inputs {
        for i in 0..n {
            std::fs::write(dir.join(format!("{i:05}")), b"").unwrap();
        }
        let inputs = super::super::discover(dir, &dir.join("out")).unwrap();
        assert_eq!(inputs.len(), n);
        inputs
    }

    fn index(input: &Input) -> usize {
        input.rel.parse().unwrap()
    }

    fn pool(threads: usize) -> rayon::ThreadPool {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
    }

    #[test]
    fn results_reach_the_writer_in_input_order_and_workers_stay_within_the_window() {
        let dir = tempfile::tempdir().unwrap();
        let n = 3 * WINDOW + 7;
        let inputs = inputs(dir.path(), n);
        let written = AtomicUsize::new(0);
        let most_ahead = AtomicUsize::new(0);
        let mut next = 0;
        in_order(
            &pool(4),
            &inputs,
            |input| {
                let i = index(input);
                let ahead = i.saturating_sub(written.load(Ordering::SeqCst));
                most_ahead.fetch_max(ahead, Ordering::SeqCst);
                // Some documents are slow: later ones finish first.
                if i.is_multiple_of(61) {
                    std::thread::sleep(Duration::from_millis(5));
                }
                i
            },
            |input, i| {
                assert_eq!(i, next, "in input order");
                assert_eq!(index(input), i, "each result with its input");
                next += 1;
                // A slow writer: the workers run ahead until the window stops them.
                if i.is_multiple_of(97) {
                    std::thread::sleep(Duration::from_millis(20));
                }
                written.store(next, Ordering::SeqCst);
                Ok(())
            },
        )
        .unwrap();
        assert_eq!(next, n, "every input written once");
        let ahead = most_ahead.load(Ordering::SeqCst);
        // A chunk starts within the window; its last document may lie up to a chunk beyond it.
        assert!(ahead < WINDOW + CHUNK, "{ahead} ahead of the writer");
        // Not vacuous: while the writer slept, the workers did run up to the window.
        assert!(ahead > WINDOW / 2, "only {ahead} ahead of the writer");
    }

    #[test]
    fn the_first_write_error_stops_the_workers() {
        let dir = tempfile::tempdir().unwrap();
        let n = 4 * WINDOW;
        let inputs = inputs(dir.path(), n);
        let processed = AtomicUsize::new(0);
        let result = in_order(
            &pool(2),
            &inputs,
            |input| {
                processed.fetch_add(1, Ordering::SeqCst);
                index(input)
            },
            |_, i| {
                if i == 10 {
                    Err(RunError::Threads(0))
                } else {
                    Ok(())
                }
            },
        );
        assert!(matches!(result, Err(RunError::Threads(0))), "{result:?}");
        let processed = processed.load(Ordering::SeqCst);
        // Workers stop within the window of the last document written (and the chunks they had begun).
        assert!(
            processed <= 11 + WINDOW + 2 * CHUNK,
            "{processed} processed"
        );
    }
}
