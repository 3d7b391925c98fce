//! Fuzzes the decoding of SAMAD's answers (the sync wire types the client reads): any body must
//! decode or fail cleanly, and a decoded answer must survive a JSON round trip unchanged.
#![no_main]

use kiosk_sync::wire::{Catalogue, EventPage, HeartbeatAck, Problem, SubmitBatchResult};
use libfuzzer_sys::fuzz_target;
use serde::{Serialize, de::DeserializeOwned};

fn round_trip<T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug>(bytes: &[u8]) {
    if let Ok(value) = serde_json::from_slice::<T>(bytes) {
        let text = serde_json::to_vec(&value).expect("serialises");
        let again: T = serde_json::from_slice(&text).expect("reparses");
        assert_eq!(again, value);
    }
}

fuzz_target!(|bytes: &[u8]| {
    round_trip::<SubmitBatchResult>(bytes);
    round_trip::<EventPage>(bytes);
    round_trip::<Problem>(bytes);
    round_trip::<Catalogue>(bytes);
    round_trip::<HeartbeatAck>(bytes);
});
