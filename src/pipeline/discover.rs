//! Discovery: the input folder walked into [`Inputs`], sorted by relative path and held compactly for the run.

use std::path::{Path, PathBuf};

use super::RunError;

/// An input found by discovery: a file to read, or an entry that could not be reached. Every input is held for
/// the whole run, so its strings are boxed (no spare capacity; 64 bytes a document plus the two paths).
#[derive(Debug, Clone)]
pub struct Input {
    /// Where to open it (see [`Input::path`]).
    location: Location,
    /// Path relative to the input folder, as shown in outputs (lossy when the name is not UTF-8).
    pub rel: Box<str>,
    /// The relative path's bytes in hex, when they are not UTF-8, so two such names never merge.
    pub path_bytes_hex: Option<Box<str>>,
    /// Set when discovery itself failed for this entry (permission denied, link loop).
    pub error: Option<Box<str>>,
}

/// Where an input lies: the input folder joined with its relative path (no copy of the path per document), or,
/// when that would not give it back exactly (a non-UTF-8 name), the path itself.
#[derive(Debug, Clone)]
enum Location {
    Under(std::sync::Arc<Path>),
    Exact(Box<Path>),
}

impl Input {
    /// An input at `path`.
    pub fn new(
        path: PathBuf,
        rel: String,
        path_bytes_hex: Option<String>,
        error: Option<String>,
    ) -> Input {
        Input {
            location: Location::Exact(path.into_boxed_path()),
            rel: rel.into_boxed_str(),
            path_bytes_hex: path_bytes_hex.map(String::into_boxed_str),
            error: error.map(String::into_boxed_str),
        }
    }

    /// The path to open.
    pub fn path(&self) -> std::borrow::Cow<'_, Path> {
        match &self.location {
            Location::Under(base) => base.join(&*self.rel).into(),
            Location::Exact(path) => std::borrow::Cow::Borrowed(path),
        }
    }

    /// An input found under `base`, sharing `base` when the path is `base` joined with `rel`.
    fn under(
        base: &std::sync::Arc<Path>,
        path: PathBuf,
        rel: String,
        path_bytes_hex: Option<String>,
        error: Option<String>,
    ) -> Input {
        let mut input = Input::new(path, rel, path_bytes_hex, error);
        if input.path_bytes_hex.is_none()
            && let Location::Exact(path) = &input.location
            && base.join(&*input.rel).as_path() == &**path
        {
            input.location = Location::Under(base.clone());
        }
        input
    }
}

/// The discovered inputs, sorted, held compactly for the whole run: the relative paths of ordinary inputs in one
/// string (about 16 bytes a document besides the name itself); an input with a non-UTF-8 name, a discovery error
/// or a path that is not the input folder joined with its relative path is kept whole. [`Inputs::get`] gives
/// each back as an [`Input`].
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    base: Option<std::sync::Arc<Path>>,
    text: String,
    items: Vec<Slot>,
}

#[derive(Debug, Clone)]
enum Slot {
    Name { start: usize, len: usize },
    Whole(Box<Input>),
}

impl Inputs {
    /// How many.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The input at `index`.
    pub fn get(&self, index: usize) -> Option<Input> {
        match self.items.get(index)? {
            Slot::Name { start, len } => {
                let rel = self.text.get(*start..start.saturating_add(*len))?;
                Some(Input {
                    location: Location::Under(self.base.clone()?),
                    rel: rel.into(),
                    path_bytes_hex: None,
                    error: None,
                })
            }
            Slot::Whole(input) => Some((**input).clone()),
        }
    }

    /// True when an input has this relative path (and hex of a non-UTF-8 name).
    pub fn contains(&self, rel: &str, path_bytes_hex: Option<&str>) -> bool {
        self.items
            .binary_search_by(|slot| self.key(slot).cmp(&(rel.as_bytes(), path_bytes_hex)))
            .is_ok()
    }

    /// Adds an ordinary input: the file `rel` under the input folder.
    fn push_name(&mut self, rel: &str) {
        let start = self.text.len();
        self.text.push_str(rel);
        self.items.push(Slot::Name {
            start,
            len: rel.len(),
        });
    }

    fn push(&mut self, input: Input) {
        match (&input.location, &input.path_bytes_hex, &input.error) {
            (Location::Under(_), None, None) => self.push_name(&input.rel),
            _ => self.items.push(Slot::Whole(Box::new(input))),
        }
    }

    /// The sort key: the relative path's bytes (ordered as the `str` is), then the hex of a non-UTF-8 name.
    fn key<'a>(&'a self, slot: &'a Slot) -> (&'a [u8], Option<&'a str>) {
        match slot {
            Slot::Name { start, len } => (
                self.text
                    .as_bytes()
                    .get(*start..start.saturating_add(*len))
                    .unwrap_or_default(),
                None,
            ),
            Slot::Whole(input) => (input.rel.as_bytes(), input.path_bytes_hex.as_deref()),
        }
    }

    fn sort(&mut self) {
        let items = std::mem::take(&mut self.items);
        // Sorted by keys computed once (not at each comparison), then the slots taken in that order. Unstable: no
        // two inputs have the same (rel, hex).
        let mut order: Vec<(&[u8], Option<&str>, usize)> = items
            .iter()
            .enumerate()
            .map(|(i, slot)| {
                let (rel, hex) = self.key(slot);
                (rel, hex, i)
            })
            .collect();
        order.sort_unstable();
        let order: Vec<usize> = order.into_iter().map(|(_, _, i)| i).collect();
        let mut slots: Vec<Option<Slot>> = items.into_iter().map(Some).collect();
        let sorted = order
            .into_iter()
            .filter_map(|i| slots.get_mut(i)?.take())
            .collect();
        self.text.shrink_to_fit();
        self.items = sorted;
    }
}

/// `Err` unless `input` is a folder.
pub(super) fn input_folder(input: &Path) -> Result<(), RunError> {
    if input.is_dir() {
        Ok(())
    } else {
        Err(RunError::Input {
            path: input.to_path_buf(),
            reason: "not a folder".into(),
        })
    }
}

/// Walks the input folder (following links, detecting loops), sorted by path; skips the output folder.
pub fn discover(input: &Path, out: &Path) -> Result<Inputs, RunError> {
    input_folder(input)?;
    let out_abs = out.canonicalize().ok();
    let input_str = input.to_str().unwrap_or_default();
    let base: std::sync::Arc<Path> = input.into();
    let mut found = Inputs {
        base: Some(base.clone()),
        ..Inputs::default()
    };
    let walker = walkdir::WalkDir::new(input)
        .follow_links(true)
        // No `sort_by_file_name`: every input is sorted by its relative path below, once.
        .into_iter()
        .filter_entry(|e| {
            // Only a folder can be the output folder: files are never canonicalised (a readlink per component).
            !e.file_type().is_dir()
                || out_abs
                    .as_ref()
                    .is_none_or(|o| e.path().canonicalize().ok().as_ref() != Some(o))
        });
    for entry in walker {
        match entry {
            Ok(e) if e.file_type().is_dir() => {}
            Ok(e) => match plain_relative(input_str, e.path()) {
                Some(rel) => found.push_name(rel),
                None => {
                    let (rel, hex) = (relative(input, e.path()), non_utf8_hex(input, e.path()));
                    found.push(Input::under(&base, e.into_path(), rel, hex, None));
                }
            },
            Err(e) => {
                let path = e
                    .path()
                    .map_or_else(|| input.to_path_buf(), Path::to_path_buf);
                let reason = if e.loop_ancestor().is_some() {
                    "symbolic link loop".to_string()
                } else {
                    e.io_error()
                        .map_or_else(|| e.to_string(), |io| io.kind().to_string())
                };
                let (rel, hex) = (relative(input, &path), non_utf8_hex(input, &path));
                found.push(Input::under(&base, path, rel, hex, Some(reason)));
            }
        }
    }
    found.sort();
    Ok(found)
}

/// The relative path of `path` when it is `base/rel` in UTF-8 with `/` separators (how the walk joins names, so
/// nearly always): found without parsing path components, as [`relative`] does for the rest.
fn plain_relative<'a>(base: &str, path: &'a Path) -> Option<&'a str> {
    let rel = path
        .to_str()?
        .strip_prefix(base)?
        .strip_prefix('/')
        .filter(|rel| !base.is_empty() && !rel.is_empty() && !rel.contains('\\'))?;
    Some(rel)
}

fn relative(base: &Path, path: &Path) -> String {
    path.strip_prefix(base)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// The relative path's raw bytes in hex when they are not valid UTF-8.
fn non_utf8_hex(base: &Path, path: &Path) -> Option<String> {
    let rel = path.strip_prefix(base).unwrap_or(path);
    if rel.to_str().is_some() {
        return None;
    }
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        Some(hex(rel.as_os_str().as_bytes()))
    }
    #[cfg(not(unix))]
    {
        Some(hex(rel.to_string_lossy().as_bytes()))
    }
}

/// Lower-case hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
