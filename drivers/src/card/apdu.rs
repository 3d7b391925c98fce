//! The APDU profile: which commands read the certificate file from a card.
//!
//! The profile is data (hex APDUs from the configuration), because card applications differ by
//! issuer and generation: a list of SELECT commands that must each answer `90 00`, then READ
//! BINARY (`00 B0 offset Le`) in chunks until the DER length announced by the first bytes is
//! complete. `61 xx` (more data: GET RESPONSE) and `6C xx` (wrong Le: resend) are handled as
//! ISO 7816-4 says. Any other status is an error naming the step.

use super::CardError;

/// How to read the certificate file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApduProfile {
    /// Commands sent in order before reading (application and file selection); each must
    /// answer `90 00`.
    pub select: Vec<Vec<u8>>,
    /// Bytes asked for per READ BINARY (Le), 1–255.
    pub chunk: u8,
    /// Largest certificate accepted.
    pub max_len: usize,
}

impl ApduProfile {
    /// A profile selecting elementary file `fid` from the master file (`00 A4 00 0C 02 fid`).
    /// The national card's real file id is configuration, not code.
    pub fn select_file(fid: [u8; 2]) -> Self {
        Self {
            select: vec![vec![0x00, 0xA4, 0x00, 0x0C, 0x02, fid[0], fid[1]]],
            chunk: 0xE0,
            max_len: 8 * 1024,
        }
    }

    /// Parses a profile from configuration text: SELECT APDUs as hex strings (spaces allowed).
    pub fn from_hex(select: &[&str], chunk: u8, max_len: usize) -> Result<Self, String> {
        let select = select
            .iter()
            .map(|s| parse_hex(s).ok_or_else(|| format!("not a hex APDU: {s:?}")))
            .collect::<Result<Vec<_>, _>>()?;
        if select.iter().any(|a| a.len() < 4) {
            return Err("an APDU has fewer than 4 bytes".into());
        }
        if chunk == 0 {
            return Err("chunk must be 1-255".into());
        }
        Ok(Self {
            select,
            chunk,
            max_len,
        })
    }
}

fn parse_hex(s: &str) -> Option<Vec<u8>> {
    let digits: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if !digits.len().is_multiple_of(2) {
        return None;
    }
    digits
        .chunks(2)
        .map(|p| u8::from_str_radix(std::str::from_utf8(p).ok()?, 16).ok())
        .collect()
}

/// Sends one command APDU and returns the whole response (data + SW1 SW2).
pub trait Transmit {
    /// Sends `apdu` during `step` (named in errors).
    fn transmit(&mut self, step: &'static str, apdu: &[u8]) -> Result<Vec<u8>, CardError>;
}

/// A response split into data and status word, with `61 xx` / `6C xx` handled.
fn exchange<T: Transmit>(
    card: &mut T,
    step: &'static str,
    apdu: &[u8],
) -> Result<(Vec<u8>, u16), CardError> {
    let mut response = card.transmit(step, apdu)?;
    // Wrong Le: the card names the right one.
    if let Some((0x6C, le)) = sw_bytes(&response) {
        let mut again = apdu.to_vec();
        if let Some(last) = again.last_mut() {
            *last = le;
        }
        response = card.transmit(step, &again)?;
    }
    let mut data = Vec::new();
    loop {
        let Some((sw1, sw2)) = sw_bytes(&response) else {
            return Err(CardError::NoStatusWord { step });
        };
        data.extend_from_slice(&response[..response.len() - 2]);
        if sw1 != 0x61 {
            return Ok((data, u16::from_be_bytes([sw1, sw2])));
        }
        response = card.transmit(step, &[0x00, 0xC0, 0x00, 0x00, sw2])?;
    }
}

fn sw_bytes(response: &[u8]) -> Option<(u8, u8)> {
    match response {
        [.., sw1, sw2] => Some((*sw1, *sw2)),
        _ => None,
    }
}

/// Length of a DER element from its first bytes (`None` while too few bytes are known).
fn der_total_len(head: &[u8]) -> Result<Option<usize>, CardError> {
    match head {
        [] | [_] => Ok(None),
        [tag, ..] if *tag != 0x30 => Err(CardError::NotACertificate),
        [_, first, ..] if *first < 0x80 => Ok(Some(2 + usize::from(*first))),
        [_, first, rest @ ..] => {
            let n = usize::from(first & 0x7F);
            if n == 0 || n > 4 {
                return Err(CardError::NotACertificate);
            }
            if rest.len() < n {
                return Ok(None);
            }
            let len = rest[..n]
                .iter()
                .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
            Ok(Some(2 + n + len))
        }
    }
}

/// Runs `profile` on `card` and returns the certificate's DER bytes.
pub fn read_certificate<T: Transmit>(
    card: &mut T,
    profile: &ApduProfile,
) -> Result<Vec<u8>, CardError> {
    for apdu in &profile.select {
        let (_, sw) = exchange(card, "select", apdu)?;
        if sw != 0x9000 {
            return Err(CardError::Status { step: "select", sw });
        }
    }
    let mut file = Vec::new();
    let mut expected = None;
    loop {
        if expected.is_none() {
            expected = der_total_len(&file)?;
            if let Some(len) = expected
                && len > profile.max_len
            {
                return Err(CardError::TooLarge {
                    len,
                    limit: profile.max_len,
                });
            }
        }
        if let Some(len) = expected
            && file.len() >= len
        {
            file.truncate(len);
            return Ok(file);
        }
        let offset = u16::try_from(file.len()).map_err(|_| CardError::TooLarge {
            len: file.len(),
            limit: profile.max_len,
        })?;
        let want = match expected {
            Some(len) => u8::try_from((len - file.len()).min(usize::from(profile.chunk)))
                .unwrap_or(profile.chunk),
            None => profile.chunk,
        };
        let [hi, lo] = offset.to_be_bytes();
        let (data, sw) = exchange(card, "read binary", &[0x00, 0xB0, hi, lo, want])?;
        let end_of_file = matches!(sw, 0x6282 | 0x6B00);
        if sw != 0x9000 && !end_of_file {
            return Err(CardError::Status {
                step: "read binary",
                sw,
            });
        }
        file.extend_from_slice(&data);
        if data.is_empty() || end_of_file {
            let got = file.len();
            return match der_total_len(&file)? {
                Some(len) if got >= len => {
                    file.truncate(len);
                    Ok(file)
                }
                Some(len) => Err(CardError::Truncated { got, expected: len }),
                None => Err(CardError::NotACertificate),
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A scripted card holding one file at 3F00/0002.
    struct Card {
        file: Vec<u8>,
        selected: bool,
        log: Vec<Vec<u8>>,
        wrong_le_once: bool,
        chained: bool,
        file_rest: Option<Vec<u8>>,
    }

    impl Card {
        fn new(file: Vec<u8>) -> Self {
            Self {
                file,
                selected: false,
                log: Vec::new(),
                wrong_le_once: false,
                chained: false,
                file_rest: None,
            }
        }
    }

    impl Transmit for Card {
        fn transmit(&mut self, _: &'static str, apdu: &[u8]) -> Result<Vec<u8>, CardError> {
            self.log.push(apdu.to_vec());
            Ok(match apdu {
                [0x00, 0xA4, _, _, 0x02, 0x00, 0x02] => {
                    self.selected = true;
                    vec![0x90, 0x00]
                }
                [0x00, 0xA4, ..] => vec![0x6A, 0x82],
                [0x00, 0xB0, ..] if !self.selected => vec![0x69, 0x86],
                [0x00, 0xB0, hi, lo, le] => {
                    if self.wrong_le_once {
                        self.wrong_le_once = false;
                        return Ok(vec![0x6C, 0x10]);
                    }
                    let off = usize::from(u16::from_be_bytes([*hi, *lo]));
                    let end = (off + usize::from(*le)).min(self.file.len());
                    let mut r = self.file.get(off..end).unwrap_or_default().to_vec();
                    if self.chained && r.len() > 4 {
                        let rest = r.split_off(4);
                        r.extend_from_slice(&[0x61, rest.len() as u8]);
                        self.file_rest = Some(rest);
                        return Ok(r);
                    }
                    r.extend_from_slice(if end - off < usize::from(*le) {
                        &[0x62, 0x82]
                    } else {
                        &[0x90, 0x00]
                    });
                    r
                }
                [0x00, 0xC0, ..] => {
                    let mut r = self.file_rest.take().unwrap_or_default();
                    r.extend_from_slice(&[0x90, 0x00]);
                    r
                }
                _ => vec![0x6D, 0x00],
            })
        }
    }

    fn der(len: usize) -> Vec<u8> {
        let mut v = vec![0x30, 0x82, (len >> 8) as u8, len as u8];
        v.extend((0..len).map(|i| i as u8));
        v
    }

    #[test]
    fn reads_a_file_in_chunks_up_to_its_der_length() {
        let cert = der(600);
        let mut file = cert.clone();
        file.extend_from_slice(&[0xFF; 50]); // padding after the certificate
        let mut card = Card::new(file);
        let got = read_certificate(&mut card, &ApduProfile::select_file([0x00, 0x02])).unwrap();
        assert_eq!(got, cert);
        let reads = card.log.iter().filter(|a| a[1] == 0xB0).count();
        assert_eq!(reads, 3, "604 bytes in chunks of 224");
    }

    #[test]
    fn wrong_le_and_get_response_are_followed() {
        let cert = der(40);
        let mut card = Card::new(cert.clone());
        card.wrong_le_once = true;
        card.chained = true;
        let got = read_certificate(&mut card, &ApduProfile::select_file([0x00, 0x02])).unwrap();
        assert_eq!(got, cert);
        assert!(card.log.iter().any(|a| a[1] == 0xC0), "GET RESPONSE sent");
    }

    #[test]
    fn wrong_answers_are_clear_errors() {
        let mut card = Card::new(der(40));
        assert_eq!(
            read_certificate(&mut card, &ApduProfile::select_file([0x00, 0x09])),
            Err(CardError::Status {
                step: "select",
                sw: 0x6A82
            })
        );
        let mut card = Card::new(vec![0x04, 0x03, 1, 2, 3]);
        assert_eq!(
            read_certificate(&mut card, &ApduProfile::select_file([0x00, 0x02])),
            Err(CardError::NotACertificate)
        );
        let mut short = der(600);
        short.truncate(300);
        let mut card = Card::new(short);
        assert_eq!(
            read_certificate(&mut card, &ApduProfile::select_file([0x00, 0x02])),
            Err(CardError::Truncated {
                got: 300,
                expected: 604
            })
        );
        let mut card = Card::new(der(600));
        let mut small = ApduProfile::select_file([0x00, 0x02]);
        small.max_len = 100;
        assert_eq!(
            read_certificate(&mut card, &small),
            Err(CardError::TooLarge {
                len: 604,
                limit: 100
            })
        );
    }

    #[test]
    fn a_card_without_status_words_is_an_error() {
        struct Mute;
        impl Transmit for Mute {
            fn transmit(&mut self, _: &'static str, _: &[u8]) -> Result<Vec<u8>, CardError> {
                Ok(vec![0x90])
            }
        }
        assert_eq!(
            read_certificate(&mut Mute, &ApduProfile::select_file([0, 2])),
            Err(CardError::NoStatusWord { step: "select" })
        );
    }

    #[test]
    fn profiles_parse_from_hex_config() {
        let p = ApduProfile::from_hex(
            &["00 A4 04 0C 07 A0000000 041010", "00a4000c020002"],
            128,
            4096,
        )
        .unwrap();
        assert_eq!(p.select[1], vec![0x00, 0xA4, 0x00, 0x0C, 0x02, 0x00, 0x02]);
        assert!(ApduProfile::from_hex(&["00 A4 0"], 128, 4096).is_err());
        assert!(ApduProfile::from_hex(&["zz zz zz zz"], 128, 4096).is_err());
        assert!(ApduProfile::from_hex(&["00A4"], 0, 4096).is_err());
    }
}
