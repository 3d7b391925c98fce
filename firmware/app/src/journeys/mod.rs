//! The journeys' effects that need the store: the journeys themselves are pure
//! (firmware/journey); what a rating or a desk effect asks of the store, the fleet's keys and
//! the clock is carried out here.

pub mod desk_store;
pub mod rating_store;
