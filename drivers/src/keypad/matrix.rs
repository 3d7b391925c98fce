//! Row/column matrix keypads, as pure logic: which key sits where ([`MatrixLayout`]), and the
//! scan of one frame of raw levels into debounced key events ([`MatrixScanner`]).
//!
//! # Wiring and scanning
//!
//! Each key joins one row line to one column line. The columns are inputs with pull-ups; the
//! rows are left floating (inputs, high impedance) except the one being read, which is driven
//! low. A column that reads low while row `r` is driven has a closed key at `(r, column)`.
//! Floating rows, rather than rows driven high, mean that two keys pressed in one column never
//! short a high output to a low one. The backend (`rppal::RppalKeypad`) drives each row in
//! turn, collects one bit mask of closed columns per row (a *frame*) and hands it to
//! [`MatrixScanner::scan`] with the time; each key position has its own [`Debouncer`], so
//! bounce and long presses are handled exactly as for a single button.
//!
//! # Two keys at once, and ghosts
//!
//! Two keys held together are both reported (two-key rollover): two closed contacts can only
//! produce the readings of those two keys. Ghosts need three: with keys at `(r1, c1)`,
//! `(r1, c2)` and `(r2, c1)` closed and no diodes, driving `r2` pulls `c1` low, `c1` pulls the
//! floating `r1` low, and `r1` pulls `c2` low, so `(r2, c2)` reads closed as well, a fourth key
//! nobody pressed. Such a frame is recognised because two rows read two or more columns in
//! common ([`is_ambiguous`]), and it is held: no level changes are fed to the debouncers until
//! the frame is unambiguous again (keys already down stay down, nothing new goes down or up).
//! So a ghost is never reported as a key, at the cost of the third key of the rectangle being
//! reported only once one of the three is let go, which a visitor pressing one key at a time
//! never meets.

use std::time::Instant;

use super::{Debouncer, Key, KeyEvent, KeyTiming};

/// Most columns a matrix may have (one bit each in a row's mask).
pub const MAX_COLUMNS: usize = 32;
/// Most rows a matrix may have.
pub const MAX_ROWS: usize = 32;

/// The default layout, 4 rows × 6 columns: the telephone layout of the digits (1-2-3 on top,
/// 0 at the bottom, the 5 with a raised dot) with Help in the `*` position, and the function
/// keys in three columns to its right.
///
/// ```text
///          col 0  col 1  col 2  col 3    col 4       col 5
/// row 0:   1      2      3      cancel   up          volume_up
/// row 1:   4      5      6      clear    down        volume_down
/// row 2:   7      8      9      enter    speed_up    call_staff
/// row 3:   help   0      ·      ·        speed_down  ·
/// ```
pub const DEFAULT_LAYOUT: [[Option<Key>; 6]; 4] = [
    [
        Some(Key::Digit1),
        Some(Key::Digit2),
        Some(Key::Digit3),
        Some(Key::Cancel),
        Some(Key::Up),
        Some(Key::VolumeUp),
    ],
    [
        Some(Key::Digit4),
        Some(Key::Digit5),
        Some(Key::Digit6),
        Some(Key::Clear),
        Some(Key::Down),
        Some(Key::VolumeDown),
    ],
    [
        Some(Key::Digit7),
        Some(Key::Digit8),
        Some(Key::Digit9),
        Some(Key::Enter),
        Some(Key::SpeedUp),
        Some(Key::CallStaff),
    ],
    [
        Some(Key::Help),
        Some(Key::Digit0),
        None,
        None,
        Some(Key::SpeedDown),
        None,
    ],
];

/// Why a layout was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LayoutError {
    /// No rows, no columns, or more than [`MAX_ROWS`] / [`MAX_COLUMNS`].
    #[error(
        "a matrix has 1 to {MAX_ROWS} rows and 1 to {MAX_COLUMNS} columns, not {rows} × {columns}"
    )]
    Size {
        /// Rows given.
        rows: usize,
        /// Columns of the first row.
        columns: usize,
    },
    /// A row's length differs from the first row's.
    #[error("row {row} has {found} positions, the first row {expected}")]
    Ragged {
        /// The row.
        row: usize,
        /// Its length.
        found: usize,
        /// The first row's length.
        expected: usize,
    },
    /// A key sits at two positions.
    #[error(
        "{key:?} is at row {row}, column {column} and again at row {again_row}, column {again_column}"
    )]
    Duplicate {
        /// The key.
        key: Key,
        /// Its first position.
        row: usize,
        /// Its first position.
        column: usize,
        /// The second position.
        again_row: usize,
        /// The second position.
        again_column: usize,
    },
}

/// Which key sits at each row and column (an empty position has none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatrixLayout {
    columns: usize,
    // Row-major, `rows × columns` positions.
    keys: Vec<Option<Key>>,
}

impl MatrixLayout {
    /// A layout from its rows; every row as long as the first, every key at most once.
    pub fn new(rows: &[Vec<Option<Key>>]) -> Result<Self, LayoutError> {
        let columns = rows.first().map_or(0, Vec::len);
        if rows.is_empty() || rows.len() > MAX_ROWS || columns == 0 || columns > MAX_COLUMNS {
            return Err(LayoutError::Size {
                rows: rows.len(),
                columns,
            });
        }
        let mut keys = Vec::with_capacity(rows.len() * columns);
        for (r, row) in rows.iter().enumerate() {
            if row.len() != columns {
                return Err(LayoutError::Ragged {
                    row: r,
                    found: row.len(),
                    expected: columns,
                });
            }
            for (c, key) in row.iter().enumerate() {
                if let Some(key) = key
                    && let Some(at) = keys.iter().position(|k| k == &Some(*key))
                {
                    return Err(LayoutError::Duplicate {
                        key: *key,
                        row: at / columns,
                        column: at % columns,
                        again_row: r,
                        again_column: c,
                    });
                }
                keys.push(*key);
            }
        }
        Ok(Self { columns, keys })
    }

    /// The default layout ([`DEFAULT_LAYOUT`]).
    pub fn telephone() -> Self {
        Self {
            columns: DEFAULT_LAYOUT[0].len(),
            keys: DEFAULT_LAYOUT.iter().flatten().copied().collect(),
        }
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.keys.len() / self.columns
    }

    /// Number of columns.
    pub fn columns(&self) -> usize {
        self.columns
    }

    /// The key at `row`, `column`, if any.
    pub fn key_at(&self, row: usize, column: usize) -> Option<Key> {
        if column >= self.columns {
            return None;
        }
        self.keys
            .get(row * self.columns + column)
            .copied()
            .flatten()
    }

    /// Where `key` sits (row, column), if it is on the keypad.
    pub fn position(&self, key: Key) -> Option<(usize, usize)> {
        let at = self.keys.iter().position(|k| *k == Some(key))?;
        Some((at / self.columns, at % self.columns))
    }
}

/// Whether a frame may hold a ghost: two rows read two or more columns in common, which three
/// keys in a rectangle produce (see the module documentation).
pub fn is_ambiguous(frame: &[u32]) -> bool {
    frame
        .iter()
        .enumerate()
        .any(|(i, a)| frame[i + 1..].iter().any(|b| (a & b).count_ones() >= 2))
}

/// Debounced scanning of a matrix; pure, fed one frame at a time with the time.
#[derive(Debug, Clone)]
pub struct MatrixScanner {
    layout: MatrixLayout,
    // One per occupied position, with its row and column.
    keys: Vec<(usize, usize, Debouncer)>,
    held_frames: u64,
}

impl MatrixScanner {
    /// A scanner of `layout`, every key released.
    pub fn new(layout: MatrixLayout, timing: KeyTiming) -> Self {
        let mut keys = Vec::new();
        for r in 0..layout.rows() {
            for c in 0..layout.columns() {
                if let Some(key) = layout.key_at(r, c) {
                    keys.push((r, c, Debouncer::new(key, timing)));
                }
            }
        }
        Self {
            layout,
            keys,
            held_frames: 0,
        }
    }

    /// The layout scanned.
    pub fn layout(&self) -> &MatrixLayout {
        &self.layout
    }

    /// One frame read at `now`: `frame[r]` has bit `c` set when column `c` read closed (low)
    /// while row `r` was driven. Rows missing from `frame` read open. Returns what is due, in
    /// row-major order of the keys. An ambiguous frame ([`is_ambiguous`]) changes no key's
    /// level; time still advances (long presses of held keys are reported).
    pub fn scan(&mut self, frame: &[u32], now: Instant) -> Vec<KeyEvent> {
        if is_ambiguous(frame) {
            self.held_frames += 1;
            return self.tick(now);
        }
        self.keys
            .iter_mut()
            .filter_map(|(r, c, debouncer)| {
                let closed = frame.get(*r).is_some_and(|mask| mask & (1 << *c) != 0);
                debouncer.sample(closed, now)
            })
            .collect()
    }

    /// Advances time without a frame; returns what is now due.
    pub fn tick(&mut self, now: Instant) -> Vec<KeyEvent> {
        self.keys
            .iter_mut()
            .filter_map(|(_, _, debouncer)| debouncer.tick(now))
            .collect()
    }

    /// Frames held so far because they were ambiguous (for logs and tests).
    pub fn held_frames(&self) -> u64 {
        self.held_frames
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn timing() -> KeyTiming {
        KeyTiming {
            debounce: ms(20),
            long_press: ms(1000),
        }
    }

    /// What the columns read while each row is driven, for `pressed` keys on a matrix without
    /// diodes: a column reads low when it is joined to the driven row through closed keys and
    /// floating rows, ghosts included.
    fn frame(layout: &MatrixLayout, pressed: &[Key]) -> Vec<u32> {
        let closed: Vec<(usize, usize)> = pressed
            .iter()
            .map(|k| layout.position(*k).expect("on the layout"))
            .collect();
        (0..layout.rows())
            .map(|driven| {
                let mut rows = vec![driven];
                let mut columns: Vec<usize> = Vec::new();
                loop {
                    let before = rows.len() + columns.len();
                    for &(r, c) in &closed {
                        if rows.contains(&r) && !columns.contains(&c) {
                            columns.push(c);
                        }
                        if columns.contains(&c) && !rows.contains(&r) {
                            rows.push(r);
                        }
                    }
                    if rows.len() + columns.len() == before {
                        break;
                    }
                }
                columns.iter().fold(0, |mask, c| mask | (1 << c))
            })
            .collect()
    }

    /// Scans every 5 ms from `from` to `to` (ms) with `pressed` held.
    fn hold(
        scanner: &mut MatrixScanner,
        t0: Instant,
        from: u64,
        to: u64,
        pressed: &[Key],
    ) -> Vec<KeyEvent> {
        let f = frame(scanner.layout(), pressed);
        (from..to)
            .step_by(5)
            .flat_map(|t| scanner.scan(&f, t0 + ms(t)))
            .collect()
    }

    #[test]
    fn the_default_layout_is_the_telephone_layout_with_every_key_once() {
        let layout = MatrixLayout::telephone();
        assert_eq!((layout.rows(), layout.columns()), (4, 6));
        for key in Key::ALL {
            assert!(layout.position(key).is_some(), "{key:?} is on the keypad");
        }
        // 1-2-3 on top, 0 at the bottom under 8, 5 in the centre of the digits.
        assert_eq!(layout.position(Key::Digit1), Some((0, 0)));
        assert_eq!(layout.position(Key::Digit3), Some((0, 2)));
        assert_eq!(layout.position(Key::Digit5), Some((1, 1)));
        assert_eq!(layout.position(Key::Digit0), Some((3, 1)));
        assert_eq!(layout.key_at(3, 2), None);
        assert_eq!(layout.key_at(0, 6), None, "outside");
        assert_eq!(
            MatrixLayout::new(&DEFAULT_LAYOUT.map(|r| r.to_vec())),
            Ok(layout)
        );
    }

    #[test]
    fn a_scan_detects_each_key_of_the_layout_alone() {
        let layout = MatrixLayout::telephone();
        for key in Key::ALL {
            let t0 = Instant::now();
            let mut scanner = MatrixScanner::new(layout.clone(), timing());
            let mut events = hold(&mut scanner, t0, 0, 100, &[key]);
            events.extend(hold(&mut scanner, t0, 100, 200, &[]));
            assert_eq!(
                events,
                vec![
                    KeyEvent::Pressed(key),
                    KeyEvent::Released { key, long: false }
                ],
                "{key:?}"
            );
        }
    }

    #[test]
    fn bounce_is_debounced_and_a_held_key_is_long() {
        let t0 = Instant::now();
        let mut scanner = MatrixScanner::new(MatrixLayout::telephone(), timing());
        let five = frame(scanner.layout(), &[Key::Digit5]);
        let mut events = Vec::new();
        // Bouncing for 10 ms, then closed for 1.2 s, then open.
        for t in (0..10).step_by(2) {
            let f: &[u32] = if t % 4 == 0 { &five } else { &[] };
            events.extend(scanner.scan(f, t0 + ms(t)));
        }
        events.extend(hold(&mut scanner, t0, 10, 1300, &[Key::Digit5]));
        events.extend(hold(&mut scanner, t0, 1300, 1400, &[]));
        assert_eq!(
            events,
            vec![
                KeyEvent::Pressed(Key::Digit5),
                KeyEvent::LongPressed(Key::Digit5),
                KeyEvent::Released {
                    key: Key::Digit5,
                    long: true
                }
            ]
        );
    }

    #[test]
    fn two_keys_at_once_are_both_reported_and_nothing_else() {
        // Same row, same column, and neither.
        for pair in [
            [Key::Digit1, Key::Digit2],
            [Key::Digit2, Key::Digit5],
            [Key::Digit1, Key::Enter],
        ] {
            let t0 = Instant::now();
            let mut scanner = MatrixScanner::new(MatrixLayout::telephone(), timing());
            let f = frame(scanner.layout(), &pair);
            assert!(!is_ambiguous(&f), "{pair:?}");
            let mut events = hold(&mut scanner, t0, 0, 100, &pair);
            events.extend(hold(&mut scanner, t0, 100, 200, &[]));
            let pressed: Vec<Key> = events
                .iter()
                .filter_map(|e| match e {
                    KeyEvent::Pressed(k) => Some(*k),
                    _ => None,
                })
                .collect();
            assert_eq!(pressed, pair.to_vec(), "{events:?}");
            assert_eq!(events.len(), 4, "{events:?}");
            assert_eq!(scanner.held_frames(), 0);
        }
    }

    #[test]
    fn a_ghost_is_never_reported_as_a_key() {
        let t0 = Instant::now();
        let mut scanner = MatrixScanner::new(MatrixLayout::telephone(), timing());
        // 1 and 2 (row 0) and 4 (column 0) closed: the matrix reads 5 closed as well.
        let three = [Key::Digit1, Key::Digit2, Key::Digit4];
        let ghostly = frame(scanner.layout(), &three);
        assert_eq!(ghostly[1] & 0b10, 0b10, "the model shows the ghost at 5");
        assert!(is_ambiguous(&ghostly));

        let mut events = hold(&mut scanner, t0, 0, 100, &[Key::Digit1, Key::Digit2]);
        events.extend(hold(&mut scanner, t0, 100, 300, &three));
        events.extend(hold(&mut scanner, t0, 300, 400, &[Key::Digit4]));
        events.extend(hold(&mut scanner, t0, 400, 500, &[]));
        assert!(
            !events.contains(&KeyEvent::Pressed(Key::Digit5)),
            "{events:?}"
        );
        assert_eq!(
            events,
            vec![
                KeyEvent::Pressed(Key::Digit1),
                KeyEvent::Pressed(Key::Digit2),
                // Held while ambiguous; then 1 and 2 up, 4 down at once.
                KeyEvent::Released {
                    key: Key::Digit1,
                    long: false
                },
                KeyEvent::Released {
                    key: Key::Digit2,
                    long: false
                },
                KeyEvent::Pressed(Key::Digit4),
                KeyEvent::Released {
                    key: Key::Digit4,
                    long: false
                },
            ]
        );
        assert!(scanner.held_frames() > 0);
    }

    #[test]
    fn bad_layouts_are_refused_with_the_position() {
        assert_eq!(
            MatrixLayout::new(&[]),
            Err(LayoutError::Size {
                rows: 0,
                columns: 0
            })
        );
        assert_eq!(
            MatrixLayout::new(&[vec![Some(Key::Digit1), None], vec![None]]),
            Err(LayoutError::Ragged {
                row: 1,
                found: 1,
                expected: 2
            })
        );
        assert_eq!(
            MatrixLayout::new(&[vec![Some(Key::Enter), None], vec![None, Some(Key::Enter)]]),
            Err(LayoutError::Duplicate {
                key: Key::Enter,
                row: 0,
                column: 0,
                again_row: 1,
                again_column: 1
            })
        );
    }
}
