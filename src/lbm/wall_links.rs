//! Interpolated bounce-back (Bouzidi, Firdaouss & Lallemand, "Momentum transfer of a
//! Boltzmann-lattice fluid with boundaries", Phys. Fluids 13 (2001) 3452): the no-slip
//! wall sits where the true surface cuts each link, not halfway between cells.
//!
//! The wall-link table, one entry per fluid cell cut by the wall, costs memory only
//! at the wall. A cell's flag word carries 1 + the index of its entry's first word
//! (`flags::LINK_SHIFT`); the entry (n cut links, n_far of them with q_w ≥ ½) is
//!   header — bit q set when the population q arriving from x − c_q is interpolated
//!     (bits 1–18), and bit `FAR_SHIFT` + rank set when the link of that rank (its
//!     place among the cell's links by increasing q) has q_w ≥ ½;
//!   distances — ⌈n/2⌉ words, two 16-bit fixed-point q_w per word (rank 2k in the
//!     low half), in units of 2⁻¹⁵ of a link;
//!   wall — 2 words: the wall's unit normal into the lumen and x's distance from it
//!     [cells], four signed 16-bit fixed-point numbers (all zero where no plane was
//!     fitted), for the wall shear stress;
//!   away — n_far words: the cell's own post-collision population q of the last step
//!     on each link with q_w ≥ ½ (the only branch that reads it).
//! The two-set step kernels read `away` from the source set directly; in place the AA
//! pattern gives that location to a neighbour's thread, so those kernels keep a copy
//! here, written by the cell's own thread (shaders/lbm/stream_in_place.wgsl). The
//! layout does not depend on the storage, so one table serves every step kernel.
//! Fixed point with power-of-two units decodes exactly (an integer times 2⁻ᵏ), so the
//! GPU kernels and the CPU twin read the same f32 values.

use super::lattice::{flags, Q};
use super::setup::Precision;
use super::LatticeSetup;
use crate::geometry::CutCell;

/// Where a cell's far-link bits start in its entry's header.
pub const FAR_SHIFT: u32 = 19;
/// The most cut links an entry holds: one far bit per link fits above the mask. A
/// fluid cell with more (an isolated cell nearly enclosed by wall) keeps halfway
/// bounce-back on the rest.
pub const MAX_LINKS: usize = (32 - FAR_SHIFT) as usize;
/// A wall distance's unit [links]: 2⁻¹⁵, so q_w ∈ (0, 1] fits in 16 bits.
pub const DISTANCE_UNIT: f32 = 1.0 / 32768.0;
/// The unit of a wall normal's components: 2⁻¹⁴, so ±1 fits in a signed 16 bits.
pub const NORMAL_UNIT: f32 = 1.0 / 16384.0;
/// The unit of a cell's distance from its wall plane [cells]: 2⁻¹³ (range ±4 cells).
pub const PLANE_DISTANCE_UNIT: f32 = 1.0 / 8192.0;
/// Words of a cut cell's entry for its wall plane.
pub const WALL_WORDS: usize = 2;

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

/// q_w in the table's fixed point: at least one unit (the wall never sits on x).
fn encode_distance(distance: f32) -> u32 {
    ((distance / DISTANCE_UNIT).round() as u32).clamp(1, 1 << 15)
}

/// The q_w a 16-bit field holds.
fn decode_distance(field: u32) -> f32 {
    (field & 0xffff) as f32 * DISTANCE_UNIT
}

/// `value` in signed 16-bit fixed point of `unit`, saturated.
fn encode_signed(value: f32, unit: f32) -> u32 {
    let k = (value / unit).round().clamp(-32767.0, 32767.0) as i32;
    (k as u32) & 0xffff
}

/// The value a signed 16-bit field of `unit` holds.
fn decode_signed(field: u32, unit: f32) -> f32 {
    (field as u16 as i16) as f32 * unit
}

/// The links a cut cell's entry holds (the first `MAX_LINKS`, by increasing q).
fn kept_links(c: &CutCell) -> &[(usize, f32)] {
    &c.links[..c.links.len().min(MAX_LINKS)]
}

/// Words of the entry of `c`.
fn entry_len(c: &CutCell) -> usize {
    let links = kept_links(c);
    let far = links
        .iter()
        .filter(|&&(_, d)| decode_distance(encode_distance(d)) >= 0.5)
        .count();
    1 + links.len().div_ceil(2) + WALL_WORDS + far
}

/// The entry of `c` (module docs), its `away` copies zero.
fn entry_words(c: &CutCell) -> Vec<u32> {
    let links = kept_links(c);
    let distances: Vec<u32> = links.iter().map(|&(_, d)| encode_distance(d)).collect();
    let mut header = 0u32;
    for (rank, (&(q, _), &d)) in links.iter().zip(&distances).enumerate() {
        header |= 1 << q;
        if decode_distance(d) >= 0.5 {
            header |= 1 << (FAR_SHIFT as usize + rank);
        }
    }
    let mut words = vec![header];
    words.extend(
        distances
            .chunks(2)
            .map(|pair| pair[0] | pair.get(1).map_or(0, |d| d << 16)),
    );
    words.extend(match c.wall {
        Some(([nx, ny, nz], d)) if d > 0.0 => [
            encode_signed(nx, NORMAL_UNIT) | encode_signed(ny, NORMAL_UNIT) << 16,
            encode_signed(nz, NORMAL_UNIT)
                | encode_signed(d.max(PLANE_DISTANCE_UNIT), PLANE_DISTANCE_UNIT) << 16,
        ],
        _ => [0, 0],
    });
    let far = header >> FAR_SHIFT;
    words.extend((0..far.count_ones()).map(|_| 0u32));
    words
}

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
        if entry + entry_len(c) > flags::MAX_LINK_WORDS {
            break;
        }
        words.extend(entry_words(c));
        setup.flags[c.cell] = flags::FLUID | ((entry as u32 + 1) << flags::LINK_SHIFT);
    }
    setup.wall_links = words;
    setup.wall_links = table_with_away(setup);
}

/// Bytes of the wall-link table of `cut`.
pub fn table_bytes(cut: &[CutCell]) -> u64 {
    cut.iter().map(|c| 4 * entry_len(c) as u64).sum()
}

/// The entry of a cut fluid cell: per linked direction (increasing q), the wall
/// distance and, where q_w ≥ ½, the slot of its `away` copy.
pub fn entry_links(
    words: &[u32],
    entry: usize,
) -> impl Iterator<Item = (usize, f32, Option<usize>)> + '_ {
    let header = words[entry];
    let mask = header & ((1 << FAR_SHIFT) - 1);
    let first_away = entry + 1 + (mask.count_ones() as usize).div_ceil(2) + WALL_WORDS;
    (1..Q)
        .filter(move |q| mask & (1 << q) != 0)
        .enumerate()
        .map(move |(rank, q)| {
            let word = words[entry + 1 + rank / 2];
            let distance = decode_distance(word >> (16 * (rank % 2)));
            let far = header >> FAR_SHIFT;
            let slot = (far & (1 << rank) != 0)
                .then(|| first_away + (far & ((1 << rank) - 1)).count_ones() as usize);
            (q, distance, slot)
        })
}

/// The wall plane of a cut cell's entry: its unit normal into the lumen and the
/// cell's distance from it [cells], as the table holds them (`None` where no plane
/// was fitted). shaders/lbm/fields.wgsl, `fitted_wall`, decodes the same words.
pub fn entry_wall(words: &[u32], entry: usize) -> Option<([f32; 3], f32)> {
    let n = (words[entry] & ((1 << FAR_SHIFT) - 1)).count_ones() as usize;
    let at = entry + 1 + n.div_ceil(2);
    let (a, b) = (words[at], words[at + 1]);
    let normal = [
        decode_signed(a, NORMAL_UNIT),
        decode_signed(a >> 16, NORMAL_UNIT),
        decode_signed(b, NORMAL_UNIT),
    ];
    let distance = decode_signed(b >> 16, PLANE_DISTANCE_UNIT);
    (distance > 0.0).then_some((normal, distance))
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
            .filter_map(|(q, _, slot)| Some((q, slot?)))
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

    /// An entry keeps every link's q_w within half a unit (2⁻¹⁶ of a link), gives
    /// each link with q_w ≥ ½ its own copy slot inside the entry, keeps the wall plane
    /// within half a unit, and holds at most `MAX_LINKS` links.
    #[test]
    fn an_entry_round_trips_its_links_and_plane() {
        let links: Vec<(usize, f32)> = (1..Q).map(|q| (q, q as f32 / 18.0)).collect();
        let cut = CutCell {
            cell: 0,
            links: links.clone(),
            wall: Some(([0.6, -0.48, 0.64], 0.737)),
        };
        let words = entry_words(&cut);
        assert_eq!(words.len(), entry_len(&cut));
        let read: Vec<_> = entry_links(&words, 0).collect();
        assert_eq!(read.len(), MAX_LINKS);
        let mut slots = Vec::new();
        for (&(q, d), &(q_read, d_read, slot)) in links.iter().zip(&read) {
            assert_eq!(q, q_read);
            assert!(
                (d - d_read).abs() <= 0.5 * DISTANCE_UNIT,
                "q {q}: {d} read {d_read}"
            );
            assert_eq!(slot.is_some(), d_read >= 0.5, "q {q}");
            slots.extend(slot);
        }
        let far = links[..MAX_LINKS].iter().filter(|l| l.1 >= 0.5).count();
        assert_eq!(slots.len(), far);
        let first_away = words.len() - far;
        assert_eq!(slots, (first_away..words.len()).collect::<Vec<_>>());
        let (normal, distance) = entry_wall(&words, 0).expect("a plane");
        for (a, b) in normal.iter().zip([0.6, -0.48, 0.64]) {
            assert!((a - b).abs() <= 0.5 * NORMAL_UNIT);
        }
        assert!((distance - 0.737).abs() <= 0.5 * PLANE_DISTANCE_UNIT);
        let bare = CutCell {
            cell: 0,
            links: vec![(3, 1e-6), (7, 1.0)],
            wall: None,
        };
        let words = entry_words(&bare);
        let read: Vec<_> = entry_links(&words, 0).collect();
        assert_eq!(read[0].1, DISTANCE_UNIT, "the wall never sits on x");
        assert_eq!((read[1].1, read[1].2), (1.0, Some(words.len() - 1)));
        assert_eq!(entry_wall(&words, 0), None);
    }
}
