//! The D3Q19 velocity set: the single source of truth for directions, weights and
//! opposites. WGSL receives these through [`crate::kernels::lattice_prelude`],
//! never typed a second time.
//!
//! Ordering: rest, then each velocity directly followed by its opposite, so that
//! `opposite(q)` is a cheap formula and the TRT pairs are neighbours in memory.

/// Number of discrete velocities.
pub const Q: usize = 19;

/// Lattice velocities c_q (Krüger et al., "The Lattice Boltzmann Method", 2017, table 3.3,
/// reordered into opposite pairs).
pub const VELOCITIES: [[i32; 3]; Q] = [
    [0, 0, 0],
    [1, 0, 0],
    [-1, 0, 0],
    [0, 1, 0],
    [0, -1, 0],
    [0, 0, 1],
    [0, 0, -1],
    [1, 1, 0],
    [-1, -1, 0],
    [1, 0, 1],
    [-1, 0, -1],
    [0, 1, 1],
    [0, -1, -1],
    [1, -1, 0],
    [-1, 1, 0],
    [1, 0, -1],
    [-1, 0, 1],
    [0, 1, -1],
    [0, -1, 1],
];

/// Weights w_q: 1/3 for rest, 1/18 for the 6 axis links, 1/36 for the 12 diagonals
/// (Krüger et al. 2017, table 3.3).
pub const WEIGHTS: [f32; Q] = [
    1.0 / 3.0,
    1.0 / 18.0,
    1.0 / 18.0,
    1.0 / 18.0,
    1.0 / 18.0,
    1.0 / 18.0,
    1.0 / 18.0,
    1.0 / 36.0,
    1.0 / 36.0,
    1.0 / 36.0,
    1.0 / 36.0,
    1.0 / 36.0,
    1.0 / 36.0,
    1.0 / 36.0,
    1.0 / 36.0,
    1.0 / 36.0,
    1.0 / 36.0,
    1.0 / 36.0,
    1.0 / 36.0,
];

/// Squared lattice speed of sound, c_s² = 1/3.
pub const CS2: f64 = 1.0 / 3.0;

/// Index of the velocity opposite to `q` (c_opp = −c_q).
pub const fn opposite(q: usize) -> usize {
    if q == 0 {
        0
    } else if q % 2 == 1 {
        q + 1
    } else {
        q - 1
    }
}

/// The direction index whose velocity equals `c`, if any.
pub fn direction_of(c: [i32; 3]) -> Option<usize> {
    VELOCITIES.iter().position(|v| *v == c)
}

/// Cell-flag bit layout shared by host and shaders (one u32 per cell).
///
/// bits 0-1: cell type; bits 2-6: inward direction of a boundary cell (the direction
/// index pointing from the opening into the fluid); bits 7-10: opening id; bits 11-31:
/// index into the boundary-record table.
pub mod flags {
    pub const TYPE_MASK: u32 = 0x3;
    pub const FLUID: u32 = 0;
    pub const WALL: u32 = 1;
    pub const INLET: u32 = 2;
    pub const OUTLET: u32 = 3;
    pub const DIR_SHIFT: u32 = 2;
    pub const DIR_MASK: u32 = 0x1f;
    pub const OPENING_SHIFT: u32 = 7;
    pub const OPENING_MASK: u32 = 0xf;
    pub const RECORD_SHIFT: u32 = 11;
    /// Largest number of openings one grid may have.
    pub const MAX_OPENINGS: usize = (OPENING_MASK + 1) as usize;
    /// Largest number of boundary cells one grid may have.
    pub const MAX_RECORDS: usize = 1 << (32 - RECORD_SHIFT);

    /// Fluid cells cut by the true wall (interpolated bounce-back): 1 + the first
    /// word of the cell's entry in the wall-link table, 0 for a cell without one
    /// ([`crate::lbm::wall_links`]).
    pub const LINK_SHIFT: u32 = 2;
    /// Largest wall-link table a flag word can address.
    pub const MAX_LINK_WORDS: usize = (1 << (32 - LINK_SHIFT)) - 1;

    /// Packs a boundary cell's flag word.
    pub fn boundary(kind: u32, inward_dir: usize, opening: usize, record: usize) -> u32 {
        debug_assert!(kind == INLET || kind == OUTLET);
        debug_assert!(opening < MAX_OPENINGS && record < MAX_RECORDS);
        kind | ((inward_dir as u32) << DIR_SHIFT)
            | ((opening as u32) << OPENING_SHIFT)
            | ((record as u32) << RECORD_SHIFT)
    }

    /// A wall moving with the velocity of boundary record `record` (≥ 1; a wall's
    /// record field 0 means at rest). Halfway bounce-back with Ladd's momentum term.
    pub fn moving_wall(record: usize) -> u32 {
        debug_assert!((1..MAX_RECORDS).contains(&record));
        WALL | ((record as u32) << RECORD_SHIFT)
    }

    /// The wall-link table entry of a fluid cell, if it has one.
    pub fn link_entry(flag: u32) -> Option<usize> {
        let entry = flag >> LINK_SHIFT;
        (kind(flag) == FLUID && entry != 0).then(|| entry as usize - 1)
    }

    pub fn kind(flag: u32) -> u32 {
        flag & TYPE_MASK
    }
    pub fn inward_dir(flag: u32) -> usize {
        ((flag >> DIR_SHIFT) & DIR_MASK) as usize
    }
    pub fn opening(flag: u32) -> usize {
        ((flag >> OPENING_SHIFT) & OPENING_MASK) as usize
    }
    pub fn record(flag: u32) -> usize {
        (flag >> RECORD_SHIFT) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_and_moments_are_isotropic() {
        let sum: f64 = WEIGHTS.iter().map(|&w| w as f64).sum();
        assert!((sum - 1.0).abs() < 1e-7);
        for (a, b) in (0..3).flat_map(|a| (0..3).map(move |b| (a, b))) {
            {
                let m: f64 = VELOCITIES
                    .iter()
                    .zip(WEIGHTS)
                    .map(|(c, w)| w as f64 * (c[a] * c[b]) as f64)
                    .sum();
                let expected = if a == b { CS2 } else { 0.0 };
                assert!((m - expected).abs() < 1e-7, "second moment {a}{b} = {m}");
            }
        }
    }

    #[test]
    fn opposites_are_negated_velocities() {
        for q in 0..Q {
            let o = opposite(q);
            assert_eq!(VELOCITIES[o], VELOCITIES[q].map(|c| -c));
            assert_eq!(WEIGHTS[o], WEIGHTS[q]);
        }
    }

    #[test]
    fn flag_fields_round_trip() {
        let f = flags::boundary(flags::OUTLET, 6, 3, 123_456);
        assert_eq!(flags::kind(f), flags::OUTLET);
        assert_eq!(flags::inward_dir(f), 6);
        assert_eq!(flags::opening(f), 3);
        assert_eq!(flags::record(f), 123_456);
    }
}
