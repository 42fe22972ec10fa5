//! `embolus validate`: validation cases run through the library, each with its
//! tolerance stated next to the check, a markdown report with plots, and an exit
//! status that fails when a check misses its tolerance. The cargo tests call the
//! same case functions, so the suite and the tests cannot drift apart.

pub mod cavity;
pub mod curved_walls;
pub mod fda_nozzle;
pub mod flows;
pub mod nozzle;
pub mod outlets;
pub mod particles;
pub mod report;
pub mod stability;
pub mod suite;
pub mod support;
pub mod wall_shear;
