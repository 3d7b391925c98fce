//! Reading the 100-byte SQLite file header ourselves, before SQLite touches the file.
//!
//! Why: SQLite happily treats an empty file as a new database, and its messages for a file that
//! is something else or cut short are generic. Reading the header first lets the store refuse an
//! empty file, name a text or random file "not a database", tell a truncated file from other
//! damage, and see whether the file is in WAL mode (which decides how a read-only check may open
//! it) — all without opening the file for writing.
//! Layout: <https://www.sqlite.org/fileformat2.html#the_database_header>.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use crate::error::CorruptReason;

/// The first 16 bytes of every SQLite 3 database.
pub const MAGIC: &[u8; 16] = b"SQLite format 3\0";
/// Size of the header.
pub const HEADER_LEN: usize = 100;

/// What the header says about the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// Page size in bytes.
    pub page_size: u32,
    /// Pages in the database, when the header's count is marked valid.
    pub page_count: Option<u32>,
    /// Whether the file is in WAL mode (read and write versions 2).
    pub wal_mode: bool,
    /// `PRAGMA user_version` as of the last write to the main file (a WAL may hold a newer one).
    pub user_version: u32,
}

/// The file's size and, when it looks like a database, its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Inspection {
    /// Bytes on disk.
    pub file_bytes: u64,
    /// The parsed header.
    pub header: Header,
}

impl Inspection {
    /// Whether the file is shorter than the header says, or not a whole number of pages.
    pub fn truncation(&self) -> Option<CorruptReason> {
        let page = u64::from(self.header.page_size);
        let expected = self.header.page_count.map(|n| u64::from(n) * page);
        let short = expected.is_some_and(|e| self.file_bytes < e);
        if short || !self.file_bytes.is_multiple_of(page) {
            Some(CorruptReason::Truncated {
                file_bytes: self.file_bytes,
                expected_bytes: expected,
            })
        } else {
            None
        }
    }
}

fn be_u32(bytes: &[u8; HEADER_LEN], at: usize) -> u32 {
    u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

/// Judges a header's bytes; `Err` names why the file cannot be a database.
pub fn parse(file_bytes: u64, start: &[u8]) -> Result<Header, CorruptReason> {
    if file_bytes == 0 {
        return Err(CorruptReason::Empty);
    }
    let magic_len = start.len().min(MAGIC.len());
    if start[..magic_len] != MAGIC[..magic_len] {
        return Err(CorruptReason::NotADatabase);
    }
    let Ok(bytes) = <&[u8; HEADER_LEN]>::try_from(start) else {
        return Err(CorruptReason::Truncated {
            file_bytes,
            expected_bytes: None,
        });
    };
    let page_size = match u16::from_be_bytes([bytes[16], bytes[17]]) {
        1 => 65_536,
        n if n >= 512 && n.is_power_of_two() => u32::from(n),
        _ => return Err(CorruptReason::NotADatabase),
    };
    let count = be_u32(bytes, 28);
    // The in-header page count is only trusted when the "version-valid-for" number matches the
    // change counter (older writers did not maintain it).
    let page_count = (count > 0 && be_u32(bytes, 92) == be_u32(bytes, 24)).then_some(count);
    Ok(Header {
        page_size,
        page_count,
        wal_mode: bytes[18] == 2 && bytes[19] == 2,
        user_version: be_u32(bytes, 60),
    })
}

/// Reads and judges the header of the file at `path`. The outer `Err` is an I/O error.
pub fn inspect(path: &Path) -> std::io::Result<Result<Inspection, CorruptReason>> {
    let mut file = File::open(path)?;
    let file_bytes = file.metadata()?.len();
    let mut start = Vec::with_capacity(HEADER_LEN);
    file.by_ref()
        .take(HEADER_LEN as u64)
        .read_to_end(&mut start)?;
    Ok(parse(file_bytes, &start).map(|header| Inspection { file_bytes, header }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(page_size: u16, count: u32, valid: bool) -> Vec<u8> {
        let mut h = vec![0u8; HEADER_LEN];
        h[..16].copy_from_slice(MAGIC);
        h[16..18].copy_from_slice(&page_size.to_be_bytes());
        h[18] = 2;
        h[19] = 2;
        h[24..28].copy_from_slice(&5u32.to_be_bytes());
        h[28..32].copy_from_slice(&count.to_be_bytes());
        h[60..64].copy_from_slice(&3u32.to_be_bytes());
        let valid_for: u32 = if valid { 5 } else { 4 };
        h[92..96].copy_from_slice(&valid_for.to_be_bytes());
        h
    }

    #[test]
    fn a_good_header_is_read() {
        let h = parse(8192, &header(4096, 2, true)).unwrap();
        assert_eq!(
            h,
            Header {
                page_size: 4096,
                page_count: Some(2),
                wal_mode: true,
                user_version: 3
            }
        );
        assert_eq!(parse(8192, &header(1, 2, false)).unwrap().page_size, 65_536);
        assert_eq!(
            parse(8192, &header(4096, 2, false)).unwrap().page_count,
            None
        );
    }

    #[test]
    fn empty_text_and_random_files_are_named() {
        assert_eq!(parse(0, &[]), Err(CorruptReason::Empty));
        assert_eq!(parse(11, b"hello world"), Err(CorruptReason::NotADatabase));
        assert_eq!(
            parse(3, b"SQL"),
            Err(CorruptReason::Truncated {
                file_bytes: 3,
                expected_bytes: None
            })
        );
        let mut odd_page = header(4096, 2, true);
        odd_page[16..18].copy_from_slice(&1000u16.to_be_bytes());
        assert_eq!(parse(8192, &odd_page), Err(CorruptReason::NotADatabase));
    }

    #[test]
    fn truncation_is_measured_against_the_header() {
        let header = parse(8192, &header(4096, 4, true)).unwrap();
        let short = Inspection {
            file_bytes: 8192,
            header,
        };
        assert_eq!(
            short.truncation(),
            Some(CorruptReason::Truncated {
                file_bytes: 8192,
                expected_bytes: Some(16384)
            })
        );
        assert_eq!(
            Inspection {
                file_bytes: 16384,
                header
            }
            .truncation(),
            None
        );
        assert!(
            Inspection {
                file_bytes: 16385,
                header
            }
            .truncation()
            .is_some()
        );
    }
}
