//! Reading small files that an operator or the provisioning names (keys, a case as JSON):
//! only regular files, and at most a bound, so a named pipe never blocks the reader and
//! `/dev/zero` or a log file named by mistake is refused at once instead of filling memory.

use std::io::Read as _;
use std::path::Path;

/// The text of the regular file at `path`, at most `max` bytes; an error of kind
/// `InvalidInput` for anything else (not a regular file, larger, not UTF-8), saying which.
pub fn read_text(path: &Path, max: usize) -> std::io::Result<String> {
    String::from_utf8(read_bytes(path, max)?).map_err(|_| invalid("not UTF-8 text".into()))
}

/// The bytes of the regular file at `path`, at most `max`; an error of kind `InvalidInput`
/// when it is not a regular file or is larger, saying which.
///
/// The buffer is allocated once, for the file's size as it was when opened (at most `max`), so
/// a file that does not grow while it is read is never copied to a larger buffer: a secret read
/// this way (the database key, module `key`) leaves no stray copy in freed memory for the
/// caller's zeroizing wrapper to miss.
pub fn read_bytes(path: &Path, max: usize) -> std::io::Result<Vec<u8>> {
    // A named pipe would block the open until a writer came: look before opening.
    if !std::fs::metadata(path)?.is_file() {
        return Err(not_a_file());
    }
    let file = std::fs::File::open(path)?;
    // Whatever was opened (the path may have changed since it was looked at) must be a file.
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(not_a_file());
    }
    let expected = usize::try_from(meta.len()).unwrap_or(usize::MAX).min(max);
    let mut bytes = Vec::with_capacity(expected.saturating_add(1));
    // One byte more than allowed tells "exactly at the bound" from "over it".
    file.take(u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1))
        .read_to_end(&mut bytes)?;
    if bytes.len() > max {
        return Err(invalid(format!(
            "larger than {max} bytes: is it the right file?"
        )));
    }
    Ok(bytes)
}

fn invalid(why: String) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidInput, why)
}

fn not_a_file() -> std::io::Error {
    invalid("not a regular file (a directory, device, named pipe or socket)".into())
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
        let err = read_text(dir.path(), 100).expect_err("a directory");
        assert!(err.to_string().contains("not a regular file"), "{err}");
    }

    #[test]
    fn bytes_are_read_whole_up_to_the_bound_and_text_must_be_utf8() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("f");
        std::fs::write(&path, b"ab\xFF").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(read_bytes(&path, 3).ok(), Some(b"ab\xFF".to_vec()));
        let err = read_bytes(&path, 2).expect_err("too large");
        assert!(err.to_string().contains("larger than 2"), "{err}");
        let err = read_text(&path, 3).expect_err("not UTF-8");
        assert!(err.to_string().contains("not UTF-8"), "{err}");
        std::fs::write(&path, b"").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(read_bytes(&path, 0).ok(), Some(Vec::new()));
    }
}
