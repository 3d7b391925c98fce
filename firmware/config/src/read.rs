//! Reading the configuration's files with a bound on their size.
//!
//! `kiosk.toml` and every file it names for the configuration to load (the extra holiday files
//! of `[calendar]`) are read through [`text_file`]: at most [`MAX_FILE_BYTES`] bytes are read, so
//! `/dev/zero`, an endless pipe or a log file named by mistake is refused at once instead of
//! filling memory. The bound is 1 MiB: a kiosk's file is about 10 KB (the example), and even a
//! thousand subjects with a paragraph of guidance each stay under it; a holiday file is a few
//! kilobytes. A file that is not UTF-8 is refused naming the line and byte offset of the first
//! byte that is not.

use std::fmt;
use std::io::Read as _;
use std::path::Path;

use crate::lines::LineIndex;

/// Largest configuration or holiday file read: 1 MiB.
pub const MAX_FILE_BYTES: usize = 1 << 20;

/// Why a file's text could not be had.
#[derive(Debug)]
pub(crate) enum ReadProblem {
    /// Opening or reading failed.
    Io(std::io::Error),
    /// A directory, named pipe or socket: nothing to read to its end now (a pipe would block).
    NotAFile,
    /// More than [`MAX_FILE_BYTES`] bytes (or endless).
    TooLarge,
    /// Not UTF-8 from this byte on.
    NotUtf8 {
        /// 1-based line of the byte.
        line: usize,
        /// 1-based column, in bytes.
        column: usize,
        /// 0-based offset in the file.
        offset: usize,
        /// The byte.
        byte: u8,
    },
}

impl fmt::Display for ReadProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io(e) => write!(f, "{e}"),
            Self::NotAFile => write!(
                f,
                "not a file (a directory, named pipe or socket): give the file itself"
            ),
            Self::TooLarge => write!(
                f,
                "the file is larger than {MAX_FILE_BYTES} bytes (1 MiB), the most a configuration \
                 or holiday file may have (is it the right file?); nothing of it was used"
            ),
            Self::NotUtf8 {
                line,
                column,
                offset,
                byte,
            } => write!(
                f,
                "the file is not UTF-8 text: byte 0x{byte:02X} at line {line}, column {column} \
                 (byte offset {offset}) is not valid UTF-8; save the file as UTF-8"
            ),
        }
    }
}

/// The whole text of `path`, read with the [`MAX_FILE_BYTES`] bound.
pub(crate) fn text_file(path: &Path) -> Result<String, ReadProblem> {
    // A named pipe would block the open until a writer came (and a socket cannot be read):
    // only what can be read to its end now is opened.
    let kind = std::fs::metadata(path)
        .map_err(ReadProblem::Io)?
        .file_type();
    {
        use std::os::unix::fs::FileTypeExt as _;
        if kind.is_fifo() || kind.is_socket() || kind.is_dir() {
            return Err(ReadProblem::NotAFile);
        }
    }
    let file = std::fs::File::open(path).map_err(ReadProblem::Io)?;
    let mut bytes = Vec::new();
    // One byte more than allowed tells "exactly at the bound" from "over it".
    let limit = u64::try_from(MAX_FILE_BYTES + 1).unwrap_or(u64::MAX);
    file.take(limit)
        .read_to_end(&mut bytes)
        .map_err(ReadProblem::Io)?;
    if bytes.len() > MAX_FILE_BYTES {
        return Err(ReadProblem::TooLarge);
    }
    utf8(bytes)
}

/// `bytes` as text, or where the first byte that is not UTF-8 is.
pub(crate) fn utf8(bytes: Vec<u8>) -> Result<String, ReadProblem> {
    String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let bytes = e.into_bytes();
        let (line, column) = LineIndex::new(&bytes[..offset]).line_column(offset);
        ReadProblem::NotUtf8 {
            line,
            column,
            offset,
            byte: bytes.get(offset).copied().unwrap_or_default(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_up_to_the_bound_are_read_and_bigger_ones_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.toml");
        std::fs::write(&path, vec![b'#'; MAX_FILE_BYTES]).unwrap();
        assert_eq!(text_file(&path).unwrap().len(), MAX_FILE_BYTES);
        std::fs::write(&path, vec![b'#'; MAX_FILE_BYTES + 1]).unwrap();
        assert!(matches!(text_file(&path), Err(ReadProblem::TooLarge)));
    }

    #[test]
    fn the_first_invalid_byte_is_located() {
        let bytes = b"a = 1\nb = \"x\xFFy\"\n".to_vec();
        let Err(problem) = utf8(bytes) else {
            panic!("accepted")
        };
        assert!(matches!(
            problem,
            ReadProblem::NotUtf8 {
                line: 2,
                column: 7,
                offset: 12,
                byte: 0xFF
            }
        ));
        let text = problem.to_string();
        assert!(
            text.contains("line 2") && text.contains("byte offset 12"),
            "{text}"
        );
    }
}
