//! Reading small files that an operator or the provisioning names (keys, a case as JSON):
//! only regular files, and at most a bound, so a named pipe never blocks the reader and
//! `/dev/zero` or a log file named by mistake is refused at once instead of filling memory.

use std::io::Read as _;
use std::path::Path;

/// The text of the regular file at `path`, at most `max` bytes; an error of kind
/// `InvalidInput` for anything else (not a regular file, larger, not UTF-8), saying which.
pub fn read_text(path: &Path, max: usize) -> std::io::Result<String> {
    let invalid = |why: String| std::io::Error::new(std::io::ErrorKind::InvalidInput, why);
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(invalid(
            "not a regular file (a directory, device, named pipe or socket)".into(),
        ));
    }
    let file = std::fs::File::open(path)?;
    let mut bytes = Vec::new();
    file.take(u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1))
        .read_to_end(&mut bytes)?;
    if bytes.len() > max {
        return Err(invalid(format!(
            "larger than {max} bytes: is it the right file?"
        )));
    }
    String::from_utf8(bytes).map_err(|_| invalid("not UTF-8 text".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pipes_devices_and_large_files_are_refused_at_once() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let fifo = dir.path().join("key.pub");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.is_ok_and(|s| s.success()));
        let err = read_text(&fifo, 100).expect_err("a pipe");
        assert!(err.to_string().contains("not a regular file"), "{err}");
        let err = read_text(Path::new("/dev/zero"), 100).expect_err("a device");
        assert!(err.to_string().contains("not a regular file"), "{err}");
        let big = dir.path().join("big");
        std::fs::write(&big, vec![b'a'; 101]).unwrap_or_else(|e| panic!("{e}"));
        assert!(read_text(&big, 101).is_ok());
        let err = read_text(&big, 100).expect_err("too large");
        assert!(err.to_string().contains("larger than 100"), "{err}");
    }
}
