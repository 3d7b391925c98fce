//! The kiosk firmware as a library: what the `kiosk` binary wires together, and what the
//! cross-crate tests drive without a screen.
//!
//! [`registration`] turns what a visitor entered into a committed case (validation first, then
//! one store transaction); [`demo`] plays a scripted visitor journey headless. [`flow`] is the
//! pure journeys of kiosk-journey (firmware/journey) under their old path, with the store-side
//! effects of the rating and desk journeys from [`journeys`].

pub mod credentials;
pub mod demo;
pub mod device;
pub mod flow;
pub mod journeys;
pub mod out_of_service;
pub mod registration;
pub mod runtime;
pub mod screens;
pub mod script;
pub mod systemd;
pub mod ui_bridge;
