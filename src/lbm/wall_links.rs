//! Interpolated bounce-back (Bouzidi, Firdaouss & Lallemand, "Momentum transfer of a
//! Boltzmann-lattice fluid with boundaries", Phys. Fluids 13 (2001) 3452): the no-slip
//! wall sits where the true surface cuts each link, not halfway between cells.
//!
//! The wall-link table, one entry per fluid cell cut by the wall, costs memory only
//! at the wall. A cell's flag word carries 1 + the index of its entry's first word
//! (`flags::LINK_SHIFT`); the entry is
//!   `mask` — bit q set when the population q arriving from x − c_q is interpolated,
//!   `distance` × n — where the wall cuts each such link (fraction from x, by q),
//!   `away` × n — the cell's own post-collision population q of the last step,
//!   `wall` × 4 — the wall's unit normal into the lumen and x's distance from it
//!   [cells] (all zero where no plane was fitted), for the wall shear stress.
//! The step kernels read `away` from the two-set source directly; in place the AA
//! pattern gives that location to a neighbour's thread, so those kernels keep a copy
//! here, written by the cell's own thread (shaders/lbm/stream_in_place.wgsl).

use super::lattice::{flags, Q};
use super::setup::Precision;
use super::LatticeSetup;
use crate::geometry::CutCell;

/// The population arriving along c_q at a fluid cell x whose upstream link is cut at
/// `distance` (fraction q_w of the link from x), from the population that left x
/// towards the wall, `toward` = f*_q̄(x), the one that left the next cell inwards,
/// `second` = f*_q̄(x + c_q) (`None` when that cell is not fluid), and the one that
/// left x away from the wall, `away` = f*_q(x). Bouzidi et al. (2001), eq. 5:
///   q_w < ½: f_q(x) = 2 q_w f*_q̄(x) + (1 − 2 q_w) f*_q̄(x + c_q)
///   q_w ≥ ½: f_q(x) = f*_q̄(x) / (2 q_w) + (1 − 1/(2 q_w)) f*_q(x)
/// Without a second fluid cell the first falls back to halfway bounce-back. At q_w = ½
/// both are halfway bounce-back exactly. shaders/lbm/boundary.wgsl,
/// `interpolated_bounce_back`, does the same operations in the same order.
pub fn interpolated_bounce_back(distance: f32, toward: f32, second: Option<f32>, away: f32) -> f32 {
    if distance < 0.5 {
        match second {
            Some(second) => 2.0 * distance * toward + (1.0 - 2.0 * distance) * second,
            None => toward,
        }
    } else {
        let k = 0.5 / distance;
        k * toward + (1.0 - k) * away
    }
}

/// Words of a cut cell's entry after its links' distances and copies.
pub const WALL_WORDS: usize = 4;

/// Builds the wall-link table of `cut` (in cell order) into `setup` and marks the
/// cells' flags. Cells that are not plain fluid (an opening cell) are skipped: their
/// populations come from the boundary condition. Scenario validation refuses tables
/// beyond `flags::MAX_LINK_WORDS`; cells past that keep halfway bounce-back.
pub fn attach(setup: &mut LatticeSetup, cut: &[CutCell]) {
    let mut words: Vec<u32> = Vec::new();
    for c in cut {
        if flags::kind(setup.flags[c.cell]) != flags::FLUID {
            continue;
        }
        let entry = words.len();
        if entry + 1 + 2 * c.links.len() + WALL_WORDS > flags::MAX_LINK_WORDS {
            break;
        }
        words.push(c.links.iter().fold(0u32, |m, &(q, _)| m | (1 << q)));
        words.extend(c.links.iter().map(|&(_, d)| d.to_bits()));
        words.extend(c.links.iter().map(|_| 0u32));
        let ([nx, ny, nz], d) = c.wall.unwrap_or(([0.0; 3], 0.0));
        words.extend([nx, ny, nz, d].map(f32::to_bits));
        setup.flags[c.cell] = flags::FLUID | ((entry as u32 + 1) << flags::LINK_SHIFT);
    }
    setup.wall_links = words;
    setup.wall_links = table_with_away(setup);
}

/// Bytes of the wall-link table of `cut`: per cut cell a mask word, two words per
/// link and the wall's plane.
pub fn table_bytes(cut: &[CutCell]) -> u64 {
    cut.iter()
        .map(|c| 4 * (1 + 2 * c.links.len() + WALL_WORDS) as u64)
        .sum()
}

/// The entry of a cut fluid cell: its mask, and per linked direction (increasing q)
/// the wall distance and the slot of its `away` copy.
pub fn entry_links(words: &[u32], entry: usize) -> impl Iterator<Item = (usize, f32, usize)> + '_ {
    let mask = words[entry];
    let n = mask.count_ones() as usize;
    (1..Q)
        .filter(move |q| mask & (1 << q) != 0)
        .enumerate()
        .map(move |(rank, q)| {
            let at = entry + 1 + rank;
            (q, f32::from_bits(words[at]), at + n)
        })
}

/// The setup's wall-link table with every `away` copy taken from its populations
/// (the state the in-place step starts from, in its natural layout), rounded as the
/// GPU stores them: what the GPU uploads, whatever changed the populations since the
/// table was built.
pub fn table_with_away(setup: &LatticeSetup) -> Vec<u32> {
    let mut words = setup.wall_links.clone();
    let n = setup.dims.cells();
    let stored = |v: f32| match setup.precision {
        Precision::F32 => v,
        Precision::F16 => half::f16::from_f32(v).to_f32(),
    };
    for cell in 0..n {
        let Some(entry) = flags::link_entry(setup.flags[cell]) else {
            continue;
        };
        let slots: Vec<(usize, usize)> = entry_links(&words, entry)
            .map(|(q, _, slot)| (q, slot))
            .collect();
        for (q, slot) in slots {
            words[slot] = stored(setup.populations[q * n + cell]).to_bits();
        }
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halfway_is_the_midpoint_case_of_both_branches() {
        let (toward, second, away) = (0.3f32, -0.2f32, 0.7f32);
        assert_eq!(
            interpolated_bounce_back(0.5, toward, Some(second), away),
            toward
        );
        // Linear in the wall's place: at q_w = ¼ halfway between the two towards-wall
        // populations, at q_w = 1 halfway between towards and away.
        let quarter = interpolated_bounce_back(0.25, toward, Some(second), away);
        assert!((quarter - 0.05).abs() < 1e-7);
        let one = interpolated_bounce_back(1.0, toward, Some(second), away);
        assert!((one - 0.5).abs() < 1e-7);
        assert_eq!(interpolated_bounce_back(0.25, toward, None, away), toward);
    }
}
