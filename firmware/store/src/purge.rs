//! Purging a visitor's personal data once SAMAD has the case.
//!
//! A kiosk keeps personal data (national code, mobile number, name, the visitor's own words)
//! only until SAMAD has acknowledged the item and a configured number of days has passed
//! (`[privacy] purge_after_days`). Then [`Store::purge_personal_data`] erases it from the case
//! (or meeting) row and from the outbox item's stored payload, in one transaction, keeping what
//! reports need: tracking code, kind, subject, service, dates, status, SAMAD's number.
//!
//! A purged row holds no national code (NULL, with its masked form) and says when it was purged
//! (`purged_at`); the schema ties the two, so a row is whole or purged, never half (migration 4).
//! A meeting's name and reason, which the form requires, become "-". Items SAMAD has not
//! acknowledged are never touched: they still have to be sent. Overwritten bytes must not linger
//! in free pages or in the WAL, so the purge runs with `secure_delete` and checkpoints the WAL
//! afterwards.

use chrono::{DateTime, Duration, Utc};
use rusqlite::params;

use crate::Store;
use crate::error::{SqlContext, StoreError};
use crate::time::to_millis;

/// What a purged meeting holds where the schema needs non-empty text (its name, reason).
pub const PURGED_TEXT: &str = "-";

/// What one purge run erased.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PurgeReport {
    /// Cases whose personal data was erased now.
    pub cases: u64,
    /// Meeting records whose personal data was erased now.
    pub meetings: u64,
}

/// Cases acknowledged by SAMAD at or before the cutoff and not purged yet.
const DUE_CASES: &str = "SELECT c.id FROM cases c JOIN outbox o ON o.case_id = c.id
     AND o.item_kind = 'case'
     WHERE o.state = 'done' AND o.done_at <= ?1 AND c.purged_at IS NULL";

impl Store {
    /// Erases the personal data of every case and meeting that SAMAD acknowledged more than
    /// `after_days` days before `now`; returns how many were purged now. Running it again
    /// changes nothing more.
    pub fn purge_personal_data(
        &mut self,
        now: DateTime<Utc>,
        after_days: u32,
    ) -> Result<PurgeReport, StoreError> {
        let path = self.path.clone();
        let cutoff = to_millis(now - Duration::days(i64::from(after_days)));
        self.conn
            .pragma_update(None, "secure_delete", true)
            .ctx(&path, "turn on secure_delete for the purge")?;
        let tx = self
            .conn
            .transaction()
            .ctx(&path, "begin the personal data purge")?;
        let purged_at = to_millis(now);
        let case_ids: Vec<i64> = tx
            .prepare(DUE_CASES)
            .ctx(&path, "find cases to purge")?
            .query_map(params![cutoff], |r| r.get(0))
            .ctx(&path, "find cases to purge")?
            .collect::<Result<_, _>>()
            .ctx(&path, "find cases to purge")?;
        for id in &case_ids {
            tx.execute(
                "UPDATE cases SET national_code = NULL, national_code_masked = NULL,
                     foreign_id = NULL, passport_number = NULL, passport_country = NULL,
                     phone = NULL, phone_masked = NULL, description = '', purged_at = ?2
                 WHERE id = ?1",
                params![id, purged_at],
            )
            .ctx(&path, "purge a case")?;
            tx.execute(
                "UPDATE outbox SET payload = json_remove(json_set(payload, '$.national_code',
                     NULL, '$.phone', NULL, '$.description', ''), '$.identity')
                 WHERE case_id = ?1 AND item_kind = 'case'",
                params![id],
            )
            .ctx(&path, "purge a case's outbox payload")?;
        }
        let meetings = tx
            .execute(
                "UPDATE outbox SET payload = json_set(payload, '$.national_code', NULL,
                     '$.full_name', ?2, '$.birth_date', NULL, '$.reason', ?2)
                 WHERE item_kind = 'meeting' AND state = 'done' AND done_at <= ?1
                   AND item_uuid IN (SELECT client_uuid FROM meetings WHERE purged_at IS NULL)",
                params![cutoff, PURGED_TEXT],
            )
            .ctx(&path, "purge meetings' outbox payloads")?;
        let purged_meetings = tx
            .execute(
                "UPDATE meetings SET national_code = NULL, national_code_masked = NULL,
                     full_name = ?2, birth_date = NULL, reason = ?2, purged_at = ?3
                 WHERE purged_at IS NULL AND client_uuid IN (SELECT item_uuid FROM outbox
                     WHERE item_kind = 'meeting' AND state = 'done' AND done_at <= ?1)",
                params![cutoff, PURGED_TEXT, purged_at],
            )
            .ctx(&path, "purge meetings")?;
        debug_assert_eq!(meetings, purged_meetings);
        tx.commit().ctx(&path, "commit the personal data purge")?;
        // Old page images stay in the WAL until a checkpoint copies the new ones over them.
        self.conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .ctx(&path, "checkpoint the WAL after the purge")?;
        let report = PurgeReport {
            cases: case_ids.len() as u64,
            meetings: purged_meetings as u64,
        };
        tracing::info!(
            cases = report.cases,
            meetings = report.meetings,
            after_days,
            "personal data purged"
        );
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use chrono::{DateTime, Duration, Utc};
    use kiosk_core::{CaseKind, KioskNumber, MobileNumber, NationalCode, NationalCodePolicy};

    use super::*;
    use crate::{ClaimLimits, NewCase, OpenOptions, Settlement, Store};

    const CODE: &str = "0499370899";
    const OTHER: &str = "0084575948";
    const PHONE: &str = "09127654321";
    const WORDS: &str = "شکایت از تأخیر سند";

    fn at(day: u32) -> DateTime<Utc> {
        format!("2026-11-{day:02}T06:30:00Z").parse().unwrap()
    }

    fn case(code: &str) -> NewCase {
        NewCase {
            kiosk: KioskNumber::new(12).unwrap(),
            client_uuid: uuid::Uuid::new_v4(),
            kind: CaseKind::Complaint,
            subject_id: "deed-delay".to_owned(),
            service_id: Some("11021".to_owned()),
            visitor: NationalCode::parse(code, &NationalCodePolicy::default())
                .unwrap()
                .into(),
            phone: Some(MobileNumber::parse(PHONE).unwrap()),
            notice_consent_at: None,
            description: WORDS.to_owned(),
            registered_at: at(1),
            due: None,
            unit: "روابط عمومی".to_owned(),
            official_tier: None,
            next_visit: None,
        }
    }

    /// Claims everything pending and settles it as acknowledged by SAMAD at `when`.
    fn acknowledge_all(store: &mut Store, when: DateTime<Utc>) {
        let claim = store
            .claim_outbox(
                when,
                Duration::seconds(60),
                ClaimLimits {
                    max_items: 100,
                    max_bytes: 1 << 20,
                },
            )
            .unwrap();
        let settlements: Vec<_> = claim
            .items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                (
                    item.id,
                    Settlement::Done {
                        remote_id: Some(format!("S-{i}-{}", item.item_uuid.simple())),
                    },
                )
            })
            .collect();
        store
            .settle_outbox(claim.token, &settlements, when)
            .unwrap();
    }

    fn file_bytes(dir: &std::path::Path) -> Vec<u8> {
        let mut bytes = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() {
                bytes.extend(std::fs::read(path).unwrap());
            }
        }
        bytes
    }

    fn contains(haystack: &[u8], needle: &str) -> bool {
        haystack
            .windows(needle.len())
            .any(|w| w == needle.as_bytes())
    }

    #[test]
    fn acknowledged_cases_lose_personal_data_after_the_configured_days_only() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path().join("kiosk.db"), &OpenOptions::default()).unwrap();
        let acked = store.register_case(case(CODE)).unwrap();
        acknowledge_all(&mut store, at(2));
        let waiting = store.register_case(case(OTHER)).unwrap();

        // Not yet: acknowledged 5 days ago, kept for 7.
        let report = store.purge_personal_data(at(7), 7).unwrap();
        assert_eq!(report, PurgeReport::default());
        let kept = store
            .case_by_tracking_code(&acked.tracking_code)
            .unwrap()
            .unwrap();
        assert_eq!(kept.visitor.unwrap().value(), CODE);
        assert_eq!(kept.purged_at, None);

        // 8 days after the acknowledgement: purged; the unsent case is untouched.
        let report = store.purge_personal_data(at(10), 7).unwrap();
        assert_eq!(report.cases, 1);
        let purged = store
            .case_by_tracking_code(&acked.tracking_code)
            .unwrap()
            .unwrap();
        assert_eq!(purged.visitor, None);
        assert_eq!(purged.purged_at, Some(at(10)));
        assert_eq!(purged.phone, None);
        assert_eq!(purged.description, "");
        // What reports need stays.
        assert_eq!(purged.tracking_code, acked.tracking_code);
        assert_eq!(purged.kind, CaseKind::Complaint);
        assert_eq!(purged.subject_id, "deed-delay");
        assert_eq!(purged.registered_at, at(1));
        assert!(purged.samad_number.is_some());
        let unsent = store
            .case_by_tracking_code(&waiting.tracking_code)
            .unwrap()
            .unwrap();
        assert_eq!(unsent.visitor.unwrap().value(), OTHER);
        assert_eq!(unsent.description, WORDS);
        assert_eq!(store.outbox_depth().unwrap().pending, 1);

        // Again: nothing more to do.
        assert_eq!(
            store.purge_personal_data(at(10), 7).unwrap(),
            PurgeReport::default()
        );
    }

    #[test]
    fn purged_data_is_gone_from_the_files_on_disk() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path().join("kiosk.db"), &OpenOptions::default()).unwrap();
        store.register_case(case(CODE)).unwrap();
        acknowledge_all(&mut store, at(2));
        assert!(
            contains(&file_bytes(dir.path()), CODE),
            "the test can see the code"
        );
        assert_eq!(store.purge_personal_data(at(3), 0).unwrap().cases, 1);
        let bytes = file_bytes(dir.path());
        for secret in [CODE, PHONE, WORDS] {
            assert!(!contains(&bytes, secret), "{secret} still on disk");
        }
        // The outbox payload kept its shape and the database is sound.
        drop(store);
        let report = Store::check(dir.path().join("kiosk.db")).unwrap();
        assert_eq!(report.counts.unwrap().cases, 1);
    }
}
