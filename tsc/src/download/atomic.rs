//! Atomic file creation: write to a temporary file beside the target, rename when complete.

use std::io;
use std::path::{Path, PathBuf};

use tokio::io::AsyncWriteExt;

/// A file being written under a temporary name in the target's folder. [`AtomicFile::commit`]
/// moves it to the final name; dropping it without committing removes the temporary file, so a
/// failed or cancelled download never leaves anything under the final name.
#[derive(Debug)]
pub struct AtomicFile {
    file: Option<tokio::fs::File>,
    temp: PathBuf,
    target: PathBuf,
    overwrite: bool,
    committed: bool,
}

impl AtomicFile {
    /// Creates the temporary file beside `target`. Fails with
    /// [`io::ErrorKind::AlreadyExists`] when `target` exists and `overwrite` is false (checked
    /// here, before any download, and again atomically at commit).
    pub async fn create(target: impl Into<PathBuf>, overwrite: bool) -> io::Result<Self> {
        let target = target.into();
        if !overwrite && tokio::fs::symlink_metadata(&target).await.is_ok() {
            return Err(exists(&target));
        }
        let dir = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let base = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "download".to_string());
        let mut attempt = 0u32;
        loop {
            let temp = dir.join(format!(".{base}.{}.part", unique_suffix()));
            match tokio::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&temp)
                .await
            {
                Ok(file) => {
                    return Ok(Self {
                        file: Some(file),
                        temp,
                        target,
                        overwrite,
                        committed: false,
                    });
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempt < 8 => {
                    attempt += 1;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// The temporary path being written.
    pub fn temp_path(&self) -> &Path {
        &self.temp
    }

    /// The final path.
    pub fn target_path(&self) -> &Path {
        &self.target
    }

    /// The open temporary file, for writing.
    pub fn file_mut(&mut self) -> io::Result<&mut tokio::fs::File> {
        self.file
            .as_mut()
            .ok_or_else(|| io::Error::other("the temporary file is already closed"))
    }

    /// Takes the open temporary file as a `std::fs::File` (for blocking writes); give it back
    /// with [`AtomicFile::restore_std`] before committing. Dropping `self` meanwhile still
    /// removes the temporary file.
    pub(crate) async fn take_std(&mut self) -> io::Result<std::fs::File> {
        let f = self
            .file
            .take()
            .ok_or_else(|| io::Error::other("the temporary file is already closed"))?;
        Ok(f.into_std().await)
    }

    /// Gives back the file taken with [`AtomicFile::take_std`].
    pub(crate) fn restore_std(&mut self, file: std::fs::File) {
        self.file = Some(tokio::fs::File::from_std(file));
    }

    /// Flushes and syncs the data, then gives the file its final name. Without `overwrite`, an
    /// existing target (even one created meanwhile) is never replaced: the error is
    /// [`io::ErrorKind::AlreadyExists`] and the temporary file is removed.
    pub async fn commit(mut self) -> io::Result<PathBuf> {
        if let Some(mut f) = self.file.take() {
            f.flush().await?;
            f.sync_all().await?;
            drop(f);
        }
        if self.overwrite {
            tokio::fs::rename(&self.temp, &self.target).await?;
        } else {
            // A hard link fails atomically when the target exists; then the temp name goes away.
            match tokio::fs::hard_link(&self.temp, &self.target).await {
                Ok(()) => {
                    let _ = tokio::fs::remove_file(&self.temp).await;
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    return Err(exists(&self.target));
                }
                Err(_) => {
                    // File systems without hard links: check, then rename.
                    if tokio::fs::symlink_metadata(&self.target).await.is_ok() {
                        return Err(exists(&self.target));
                    }
                    tokio::fs::rename(&self.temp, &self.target).await?;
                }
            }
        }
        self.committed = true;
        Ok(std::mem::take(&mut self.target))
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if !self.committed {
            drop(self.file.take());
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

fn exists(path: &Path) -> io::Error {
    io::Error::new(
        io::ErrorKind::AlreadyExists,
        format!("{} already exists", path.display()),
    )
}

fn unique_suffix() -> String {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    h.write_u32(std::process::id());
    format!("{:012x}", h.finish() & 0xffff_ffff_ffff)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[tokio::test]
    async fn commit_renames_and_drop_cleans_up() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("a.twbx");
        let mut f = AtomicFile::create(&target, false).await.unwrap();
        f.file_mut().unwrap().write_all(b"hello").await.unwrap();
        assert!(!target.exists());
        assert_eq!(names(dir.path()).len(), 1);
        let out = f.commit().await.unwrap();
        assert_eq!(out, target);
        assert_eq!(std::fs::read(&target).unwrap(), b"hello");
        assert_eq!(names(dir.path()), vec!["a.twbx"]);

        let other = dir.path().join("b.twbx");
        let mut f = AtomicFile::create(&other, false).await.unwrap();
        f.file_mut().unwrap().write_all(b"partial").await.unwrap();
        drop(f);
        assert_eq!(names(dir.path()), vec!["a.twbx"]);
    }

    #[tokio::test]
    async fn no_overwrite_unless_asked() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("a.twbx");
        std::fs::write(&target, b"old").unwrap();
        let err = AtomicFile::create(&target, false).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);

        let mut f = AtomicFile::create(&target, true).await.unwrap();
        f.file_mut().unwrap().write_all(b"new").await.unwrap();
        f.commit().await.unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"new");
        assert_eq!(names(dir.path()), vec!["a.twbx"]);
    }

    #[tokio::test]
    async fn target_created_meanwhile_is_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("a.twbx");
        let mut f = AtomicFile::create(&target, false).await.unwrap();
        f.file_mut().unwrap().write_all(b"new").await.unwrap();
        std::fs::write(&target, b"racer").unwrap();
        let err = f.commit().await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read(&target).unwrap(), b"racer");
        assert_eq!(names(dir.path()), vec!["a.twbx"]);
    }
}
