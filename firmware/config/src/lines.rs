//! Line and column of a byte offset, for messages that point into the file.
//!
//! The line starts are found once per text, so naming the line of every problem in a file with
//! many problems stays linear (counting newlines again for each problem did not).

/// Where each line of a text starts.
pub(crate) struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    /// Indexes the lines of `bytes` (any bytes: a file that is not UTF-8 has lines too).
    pub(crate) fn new(bytes: &[u8]) -> Self {
        let mut starts = vec![0];
        starts.extend(
            bytes
                .iter()
                .enumerate()
                .filter(|(_, b)| **b == b'\n')
                .map(|(i, _)| i + 1),
        );
        Self { starts }
    }

    /// The 1-based line of `offset`.
    pub(crate) fn line(&self, offset: usize) -> usize {
        self.starts.partition_point(|&start| start <= offset)
    }

    /// The 1-based line and 1-based column (in bytes) of `offset`.
    pub(crate) fn line_column(&self, offset: usize) -> (usize, usize) {
        let line = self.line(offset);
        let start = self.starts.get(line - 1).copied().unwrap_or(0);
        (line, offset - start + 1)
    }
}

/// The 1-based line of the value at a dotted key as issues name it (`keypad.layout[1][2]`,
/// `keypad.keys.enter`), or of the deepest part of it that the file has (the table of a
/// missing key); `None` when the text does not parse or has not even the first part.
pub(crate) fn line_of_key(text: &str, key: &str) -> Option<usize> {
    let root = toml::de::DeTable::parse(text).ok()?;
    let span = root.span();
    let root = toml::Spanned::new(span, toml::de::DeValue::Table(root.into_inner()));
    let mut at = &root;
    let mut offset = None;
    for part in key.split('.') {
        let (name, indices) = part
            .split_once('[')
            .map_or((part, ""), |(n, rest)| (n, rest));
        let Some(next) = at.get_ref().get(name) else {
            break;
        };
        at = next;
        offset = Some(at.span().start);
        for index in indices.split('[') {
            let Some(next) = index
                .trim_end_matches(']')
                .parse::<usize>()
                .ok()
                .and_then(|i| at.get_ref().get(i))
            else {
                break;
            };
            at = next;
            offset = Some(at.span().start);
        }
    }
    Some(LineIndex::new(text.as_bytes()).line(offset?))
}

#[cfg(test)]
mod tests {
    use super::LineIndex;

    #[test]
    fn offsets_map_to_lines_and_columns() {
        let index = LineIndex::new(b"ab\ncd\n\nef");
        assert_eq!(index.line_column(0), (1, 1));
        assert_eq!(index.line_column(2), (1, 3));
        assert_eq!(index.line_column(3), (2, 1));
        assert_eq!(index.line_column(6), (3, 1));
        assert_eq!(index.line_column(8), (4, 2));
        assert_eq!(index.line(1000), 4);
    }

    #[test]
    fn keys_are_found_on_their_lines() {
        let text = "[kiosk]\nnumber = 7\n\n[keypad]\nrows = [1,\n  2]\nlayout = [\n  [\"1\", \"2\"],\n  [\"x\", \"\"],\n]\n[keypad.keys]\nenter = [\"KEY_ENTER\", \"KEY_X\"]\n";
        assert_eq!(super::line_of_key(text, "kiosk.number"), Some(2));
        assert_eq!(super::line_of_key(text, "keypad.rows[1]"), Some(6));
        assert_eq!(super::line_of_key(text, "keypad.layout[1][0]"), Some(9));
        assert_eq!(super::line_of_key(text, "keypad.keys.enter[1]"), Some(12));
        assert_eq!(super::line_of_key(text, "keypad.keys.enter"), Some(12));
        assert_eq!(
            super::line_of_key(text, "keypad.columns"),
            Some(4),
            "its table"
        );
        assert_eq!(super::line_of_key(text, "printer.path"), None);
        assert_eq!(super::line_of_key("[x", "x"), None);
    }
}
