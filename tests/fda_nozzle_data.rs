//! The FDA nozzle's PIV data from ../shared/data/fda-nozzle read back: five
//! laboratories, and the spread of their centreline velocity where REFERENCES.md
//! quotes it (0.709–0.753 m/s at z = 0, 0.417–0.513 m/s at z = 0.08 m). Groundwork for
//! the nozzle validation case, which is not implemented yet.

use embolus::validation::fda_nozzle::{lab_spread, load_all, CENTRELINE_VELOCITY, WALL_PRESSURE};
use std::path::Path;

#[test]
fn five_laboratories_and_their_centreline_spread() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/fda-nozzle");
    let sets = load_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let labs: Vec<&str> = sets.iter().map(|s| s.lab.as_str()).collect();
    assert_eq!(labs, ["243", "297", "468", "763", "999"]);
    for s in &sets {
        assert!(
            s.block(CENTRELINE_VELOCITY, None).is_some(),
            "lab {}",
            s.lab
        );
    }
    // Lab 297 reported no wall pressure.
    let with_pressure: Vec<&str> = sets
        .iter()
        .filter(|s| s.block(WALL_PRESSURE, None).is_some())
        .map(|s| s.lab.as_str())
        .collect();
    assert_eq!(with_pressure, ["243", "468", "763", "999"]);
    let (lo, hi) = lab_spread(&sets, CENTRELINE_VELOCITY, None, 0.0, 1e-4).unwrap();
    println!("centreline velocity at z = 0: {lo:.4}–{hi:.4} m/s");
    assert!((lo - 0.709).abs() < 1e-3 && (hi - 0.753).abs() < 1e-3);
    let (lo, hi) = lab_spread(&sets, CENTRELINE_VELOCITY, None, 0.08, 1e-4).unwrap();
    println!("centreline velocity at z = 0.08 m: {lo:.4}–{hi:.4} m/s");
    assert!((lo - 0.417).abs() < 1e-3 && (hi - 0.513).abs() < 1e-3);
}
