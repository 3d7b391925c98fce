//! The journeys, under the path the firmware has always used: the pure state machines of
//! kiosk-journey (firmware/journey) with, for the rating and desk journeys, the store-side
//! effects of [`crate::journeys`], so `crate::flow::…` and `kiosk::flow::…` keep working.

pub use kiosk_journey::*;

/// The rating journey (firmware/journey/src/rating.rs) and its store-side effects
/// (firmware/app/src/journeys/rating_store.rs).
pub mod rating {
    pub use crate::journeys::rating_store::*;
    pub use kiosk_journey::rating::*;
}

/// The desk journey (firmware/journey/src/desk.rs) and its store-side effects
/// (firmware/app/src/journeys/desk_store.rs).
pub mod desk {
    pub use crate::journeys::desk_store::*;
    pub use kiosk_journey::desk::*;
}
