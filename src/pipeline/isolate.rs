//! `--isolate`: each document is processed in a worker process (the `harmonise` binary itself, run as the hidden
//! `harmonise worker` subcommand), so that what `catch_unwind` cannot catch (an abort, a stack overflow, the OOM
//! killer, an endless loop in a parser) costs one document a row instead of the night, as in Tika Pipes.
//!
//! Protocol: JSON lines. The parent writes a [`Request`] (the document's path, its relative path and, for
//! incremental runs, the content hash it had) to the worker's stdin; the worker answers one line, a
//! [`crate::pipeline::Outcome`] (a manifest row and an optional record, or "unchanged"). There is one worker per
//! rayon thread, started when first needed. A worker that dies or does not answer within the time limit is killed
//! and replaced; its document gets a `failed` or `timeout` row naming what happened.
//!
//! A worker converts doc, rtf and odt documents itself ([`crate::read::convert`]), with the converter the run
//! found (passed in `HARMONISE_SOFFICE`); the conversion's own deadline kills the converter's process group
//! before the worker's grace past the limit runs out, so a hanging converter costs a `timeout` row either way.
//!
//! **Test hooks.** In debug builds only (they are compiled out of release binaries), and inside `harmonise worker`
//! only, the environment variables `HARMONISE_TEST_CRASH_ON` and `HARMONISE_TEST_HANG_ON` name a file (its last
//! path component) on which the worker calls `std::process::abort()` or loops forever. They exist so the
//! integration tests can exercise worker death and timeouts; document content can never trigger them, and outside
//! `harmonise worker` they are never read.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::manifest::{DocStatus, ManifestRow};
use crate::mapping::MappingSet;
use crate::pipeline::{self, Input, Known, Outcome, RunOptions};
use crate::read::Limits;
use crate::record::SourceKey;
use crate::state::Stamp;

/// Environment variable: the worker aborts on the file of this name (a debug-build test hook, see the module docs).
#[cfg(debug_assertions)]
pub const TEST_CRASH_ON: &str = "HARMONISE_TEST_CRASH_ON";
/// Environment variable: the worker hangs on the file of this name (a debug-build test hook, see the module docs).
#[cfg(debug_assertions)]
pub const TEST_HANG_ON: &str = "HARMONISE_TEST_HANG_ON";

/// Time a worker is given past the per-document limit before it is killed (the readers' own deadline normally
/// answers first, with a `timeout` row of its own).
const GRACE: Duration = Duration::from_secs(1);

/// How to start workers.
#[derive(Debug, Clone)]
pub struct IsolateOptions {
    /// The harmonise executable.
    pub exe: PathBuf,
    /// The mappings folder the workers load (the same the run loaded).
    pub mappings: PathBuf,
    /// Arguments that make a worker log as the run does (`--quiet`, `-v`, `--log-format json`): its stderr is
    /// the run's.
    pub log_args: Vec<String>,
}

/// What a worker is told once, on its command line (`--config`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WorkerConfig {
    /// Per-document limits.
    pub limits: Limits,
    /// The reference date, `YYYY-MM-DD`.
    pub today: String,
}

/// One document to process.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Request {
    /// The path to open (lossy when not UTF-8).
    pub path: String,
    /// The path's bytes in hex, when not UTF-8.
    #[serde(default)]
    pub path_hex: Option<String>,
    /// Relative path, as shown in outputs.
    pub rel: String,
    /// Its bytes in hex, when not UTF-8.
    #[serde(default)]
    pub rel_hex: Option<String>,
    /// A discovery error.
    #[serde(default)]
    pub error: Option<String>,
    /// The content hash of the previous run, when its outcome could stand.
    #[serde(default)]
    pub known_blake3: Option<String>,
}

/// Serves requests from `input` until it closes (the `harmonise worker` subcommand).
pub fn serve(
    set: &MappingSet,
    opts: &RunOptions,
    input: impl BufRead,
    mut output: impl Write,
) -> std::io::Result<()> {
    for line in input.lines() {
        let line = line?;
        let outcome = match serde_json::from_str::<Request>(&line) {
            Ok(req) => {
                let input = Input::new(
                    path_of(&req.path, req.path_hex.as_deref()),
                    req.rel,
                    req.rel_hex,
                    req.error,
                );
                #[cfg(debug_assertions)]
                test_hooks(&input.rel);
                let known = Known {
                    stamp: None,
                    blake3: req.known_blake3.as_deref(),
                };
                pipeline::process(&input, set, opts, known, None)
            }
            Err(e) => Outcome::Done {
                row: ManifestRow {
                    status: DocStatus::Failed,
                    reason: Some(format!("internal error: a bad worker request: {e}")),
                    ..ManifestRow::new(String::new(), None)
                },
                record: None,
                stamp: None,
            },
        };
        serde_json::to_writer(&mut output, &Answer::from(outcome))?;
        output.write_all(b"\n")?;
        output.flush()?;
    }
    Ok(())
}

/// The test hooks (see the module docs): debug builds only, so a release binary cannot be made to abort or hang
/// by its environment.
#[cfg(debug_assertions)]
fn test_hooks(rel: &str) {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    let named = |var: &str| std::env::var_os(var).is_some_and(|v| v == name);
    if named(TEST_CRASH_ON) {
        std::process::abort();
    }
    if named(TEST_HANG_ON) {
        loop {
            std::thread::sleep(Duration::from_secs(60));
        }
    }
}

fn path_of(lossy: &str, hex: Option<&str>) -> PathBuf {
    #[cfg(unix)]
    if let Some(bytes) = hex.and_then(unhex) {
        use std::os::unix::ffi::OsStringExt;
        return PathBuf::from(std::ffi::OsString::from_vec(bytes));
    }
    let _ = hex;
    PathBuf::from(lossy)
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    let digits: Vec<u8> = s
        .chars()
        .map(|c| c.to_digit(16).and_then(|d| u8::try_from(d).ok()))
        .collect::<Option<_>>()?;
    if !digits.len().is_multiple_of(2) {
        return None;
    }
    Some(
        digits
            .chunks(2)
            .map(|p| p.iter().fold(0, |acc, d| acc * 16 + d))
            .collect(),
    )
}

/// A running worker.
struct Worker {
    child: Child,
    stdin: ChildStdin,
    lines: Receiver<std::io::Result<String>>,
}

impl Drop for Worker {
    fn drop(&mut self) {
        // An idle worker waits on stdin; nothing is lost by killing it.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One worker slot per rayon thread.
pub struct WorkerPool {
    slots: Vec<Mutex<Option<Worker>>>,
    exe: PathBuf,
    args: Vec<String>,
    limit: Duration,
}

impl WorkerPool {
    /// A pool of `n` slots; workers start when first needed.
    pub fn new(iso: &IsolateOptions, opts: &RunOptions, n: usize) -> WorkerPool {
        let config = WorkerConfig {
            limits: opts.limits.clone(),
            today: opts.today.to_string(),
        };
        let mut args = vec![
            "worker".to_string(),
            "--mappings".to_string(),
            iso.mappings.to_string_lossy().into_owned(),
            "--config".to_string(),
            serde_json::to_string(&config).unwrap_or_default(),
        ];
        args.extend(iso.log_args.iter().cloned());
        WorkerPool {
            slots: (0..n.max(1)).map(|_| Mutex::new(None)).collect(),
            exe: iso.exe.clone(),
            args,
            limit: opts.limits.max_duration,
        }
    }

    fn spawn(&self) -> std::io::Result<Worker> {
        let mut command = Command::new(&self.exe);
        command
            .args(&self.args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        // The doc/rtf/odt converter the run found: a worker converts with it without looking again.
        if let Some(program) = crate::read::convert::soffice().program() {
            command.env(crate::read::convert::SOFFICE_ENV, program);
        }
        let mut child = command.spawn()?;
        let (stdin, stdout) = match (child.stdin.take(), child.stdout.take()) {
            (Some(i), Some(o)) => (i, o),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(std::io::Error::other("worker pipes missing"));
            }
        };
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let end = line.is_err();
                if tx.send(line).is_err() || end {
                    break;
                }
            }
        });
        Ok(Worker {
            child,
            stdin,
            lines,
        })
    }

    /// The steps of [`pipeline::process`](fn@pipeline::process) from reading on, for one document, in a worker; `known_blake3` is the
    /// content hash of the previous run, for the "unchanged by hash" step.
    pub fn process(&self, input: &Input, known_blake3: Option<&str>) -> Outcome {
        let request = Request {
            path: input.path().to_string_lossy().into_owned(),
            path_hex: path_hex(&input.path()),
            rel: input.rel.to_string(),
            rel_hex: input.path_bytes_hex.as_deref().map(str::to_string),
            error: input.error.as_deref().map(str::to_string),
            known_blake3: known_blake3.map(str::to_string),
        };
        let line = match serde_json::to_string(&request) {
            Ok(l) => l + "\n",
            Err(e) => return failed(input, DocStatus::Failed, format!("internal error: {e}")),
        };
        let slot_index = rayon::current_thread_index().unwrap_or(0);
        let Some(slot) = self.slots.get(slot_index).or_else(|| self.slots.first()) else {
            return failed(
                input,
                DocStatus::Failed,
                "internal error: no worker slot".into(),
            );
        };
        let mut slot = match slot.lock() {
            Ok(s) => s,
            Err(poisoned) => poisoned.into_inner(),
        };
        // A worker that died between documents is replaced once before the document is blamed.
        for attempt in 0..2 {
            if slot.is_none() {
                match self.spawn() {
                    Ok(w) => *slot = Some(w),
                    Err(e) => {
                        return failed(
                            input,
                            DocStatus::Failed,
                            format!("cannot start a worker process: {}", e.kind()),
                        );
                    }
                }
            }
            let Some(worker) = slot.as_mut() else {
                continue;
            };
            let sent = worker
                .stdin
                .write_all(line.as_bytes())
                .and_then(|()| worker.stdin.flush());
            if sent.is_err() && attempt == 0 {
                *slot = None;
                continue;
            }
            let answer = worker.lines.recv_timeout(self.limit.saturating_add(GRACE));
            return match answer {
                Ok(Ok(text)) => match serde_json::from_str::<Answer>(&text) {
                    Ok(answer) => answer.into_outcome(),
                    Err(e) => {
                        *slot = None;
                        failed(
                            input,
                            DocStatus::Failed,
                            format!(
                                "internal error: the worker's answer was unreadable ({e}); worker restarted"
                            ),
                        )
                    }
                },
                Err(RecvTimeoutError::Timeout) => {
                    *slot = None;
                    failed(
                        input,
                        DocStatus::Timeout,
                        format!(
                            "timed out: no answer within the {} s limit (timeout_secs); worker process killed and restarted",
                            self.limit.as_secs()
                        ),
                    )
                }
                Ok(Err(_)) | Err(RecvTimeoutError::Disconnected) => {
                    let how = slot
                        .as_mut()
                        .and_then(|w| w.child.wait().ok())
                        .map_or_else(|| "unknown".to_string(), describe_exit);
                    *slot = None;
                    failed(
                        input,
                        DocStatus::Failed,
                        format!("worker process died: {how}; worker restarted"),
                    )
                }
            };
        }
        failed(
            input,
            DocStatus::Failed,
            "worker process died before it took the document".into(),
        )
    }
}

fn path_hex(path: &Path) -> Option<String> {
    if path.to_str().is_some() {
        return None;
    }
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        Some(pipeline::hex(path.as_os_str().as_bytes()))
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// A failed row for a document whose worker gave no answer.
fn failed(input: &Input, status: DocStatus, reason: String) -> Outcome {
    let meta = std::fs::metadata(input.path()).ok();
    tracing::warn!(file = %input.rel, reason = %reason, "worker");
    Outcome::Done {
        row: ManifestRow {
            size: meta.as_ref().map_or(0, std::fs::Metadata::len),
            status,
            reason: Some(reason),
            ..ManifestRow::new(
                input.rel.to_string(),
                input.path_bytes_hex.as_deref().map(str::to_string),
            )
        },
        record: None,
        stamp: meta.as_ref().and_then(Stamp::of),
    }
}

/// "signal 6 (abort)", "exit code 2".
fn describe_exit(status: std::process::ExitStatus) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = status.signal() {
            let name = match sig {
                4 => "illegal instruction",
                6 => "abort",
                7 => "bus error",
                8 => "floating point exception",
                9 => "killed",
                11 => "segmentation fault",
                15 => "terminated",
                _ => "other",
            };
            return format!("signal {sig} ({name})");
        }
    }
    match status.code() {
        Some(code) => format!("exit code {code}"),
        None => "unknown".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips() {
        assert_eq!(unhex(&pipeline::hex(b"a\xff/b")), Some(b"a\xff/b".to_vec()));
        assert_eq!(unhex("abc"), None);
        assert_eq!(unhex("zz"), None);
    }
}

/// A worker's answer on the wire: the outcome, plus the record's unconsumed source keys, which records.jsonl
/// (and so `Record`'s own serialization) leaves out but the drift audit needs.
#[derive(Serialize, Deserialize)]
struct Answer {
    processed: Outcome,
    #[serde(default)]
    unconsumed: Vec<SourceKey>,
}

impl From<Outcome> for Answer {
    fn from(mut processed: Outcome) -> Answer {
        let unconsumed = match &mut processed {
            Outcome::Done {
                record: Some(r), ..
            } => std::mem::take(&mut r.unconsumed),
            _ => Vec::new(),
        };
        Answer {
            processed,
            unconsumed,
        }
    }
}

impl Answer {
    fn into_outcome(self) -> Outcome {
        let mut processed = self.processed;
        if let Outcome::Done {
            record: Some(r), ..
        } = &mut processed
        {
            r.unconsumed = self.unconsumed;
        }
        processed
    }
}
