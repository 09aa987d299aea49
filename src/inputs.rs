//! Input discovery: which files a scan of some paths covers, in a stable order, and what it
//! leaves out and why. Every face that scans directories uses this one walk (the CLI's `scan`
//! and `features`, Python's `scan_directory`).
//!
//! Rules: arguments are taken in the order given (`-` is standard input; a symbolic link given
//! as an argument is always followed); directories are searched recursively, entries sorted by
//! name. In directories, files with an image extension ([`IMAGE_EXTENSIONS`]) are taken, or
//! every file with [`WalkOptions::all_files`]; other files are [`Input::Ignored`]. Symbolic
//! links are followed by default, with loop detection ([`WalkOptions::follow_symlinks`]); a link
//! that is not followed, a loop, a dangling link and a special file (FIFO, socket, device) are
//! [`Input::Skipped`] with the reason, never dropped silently; an entry that cannot be read is
//! [`Input::Unreadable`].

use std::path::{Path, PathBuf};

/// File extensions (lower case) taken from directories unless every file is asked for.
pub const IMAGE_EXTENSIONS: &[&str] = &["png", "jpg", "jpeg", "gif", "bmp", "webp"];

/// How directories are walked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WalkOptions {
    /// Take every file in directories (the content decides the format), not only image
    /// extensions.
    pub all_files: bool,
    /// Follow symbolic links found in directories (default); loops are detected and skipped.
    pub follow_symlinks: bool,
    /// Descend into subdirectories (default).
    pub recursive: bool,
}

impl Default for WalkOptions {
    fn default() -> Self {
        WalkOptions {
            all_files: false,
            follow_symlinks: true,
            recursive: true,
        }
    }
}

/// One entry of a walk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A file to scan.
    File(PathBuf),
    /// Standard input (the argument `-`).
    Stdin,
    /// A directory entry that could not be read: an error, never a clean result.
    Unreadable {
        /// The entry.
        path: PathBuf,
        /// Why it could not be read.
        error: String,
    },
    /// An entry deliberately not scanned although it could hold an image: a symbolic link not
    /// followed, a link loop, a dangling link, a special file. Callers report it.
    Skipped {
        /// The entry.
        path: PathBuf,
        /// Why it was not scanned.
        reason: String,
    },
    /// A file left out because its extension is not an image's (without
    /// [`WalkOptions::all_files`]). Callers count it.
    Ignored(PathBuf),
}

impl Input {
    /// The entry's path as printed (`-` for standard input).
    pub fn name(&self) -> String {
        match self {
            Input::File(p)
            | Input::Unreadable { path: p, .. }
            | Input::Skipped { path: p, .. }
            | Input::Ignored(p) => p.display().to_string(),
            Input::Stdin => "-".into(),
        }
    }
}

/// Whether `p` has one of the [`IMAGE_EXTENSIONS`] (any case).
pub fn has_image_extension(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| IMAGE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// Walk `paths` lazily (memory stays bounded however large the tree), in a stable order.
pub fn walk(paths: &[PathBuf], opts: WalkOptions) -> impl Iterator<Item = Input> + '_ {
    paths
        .iter()
        .flat_map(move |p| -> Box<dyn Iterator<Item = Input>> {
            if p.as_os_str() == "-" {
                Box::new(std::iter::once(Input::Stdin))
            } else if p.is_dir() {
                let mut w = walkdir::WalkDir::new(p)
                    .follow_links(opts.follow_symlinks)
                    .sort_by_file_name();
                if !opts.recursive {
                    w = w.max_depth(1);
                }
                Box::new(w.into_iter().filter_map(move |e| entry(e, opts)))
            } else {
                Box::new(std::iter::once(Input::File(p.clone())))
            }
        })
}

fn entry(e: walkdir::Result<walkdir::DirEntry>, opts: WalkOptions) -> Option<Input> {
    let e = match e {
        Ok(e) => e,
        Err(err) => {
            let path = err.path().map(Path::to_path_buf).unwrap_or_default();
            if let Some(ancestor) = err.loop_ancestor() {
                let reason = format!(
                    "symbolic link loop (back to {}): not followed again",
                    ancestor.display()
                );
                return Some(Input::Skipped { path, reason });
            }
            // following a link whose target does not exist
            if path.is_symlink() && !path.exists() {
                let target = std::fs::read_link(&path)
                    .map(|t| t.display().to_string())
                    .unwrap_or_default();
                let reason = format!("dangling symbolic link (to {target})");
                return Some(Input::Skipped { path, reason });
            }
            return Some(Input::Unreadable {
                path,
                error: err.to_string(),
            });
        }
    };
    let t = e.file_type();
    if t.is_dir() {
        return None;
    }
    if t.is_symlink() {
        // whatever its name: it may lead to a directory of images
        return Some(Input::Skipped {
            path: e.into_path(),
            reason: "symbolic link, not followed".into(),
        });
    }
    if !(opts.all_files || has_image_extension(e.path())) {
        return Some(Input::Ignored(e.into_path()));
    }
    if t.is_file() {
        return Some(Input::File(e.into_path()));
    }
    let reason = format!("{}, not a regular file", special_kind(&t));
    Some(Input::Skipped {
        path: e.into_path(),
        reason,
    })
}

/// What a file that is neither regular nor a directory is, for messages.
pub(crate) fn special_kind(t: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO";
        } else if t.is_char_device() {
            return "a character device";
        } else if t.is_block_device() {
            return "a block device";
        } else if t.is_socket() {
            return "a socket";
        }
    }
    let _ = t;
    "a special file"
}
