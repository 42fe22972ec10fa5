//! Particle counts and volumes at an output, from the states read back from the GPU.

use super::fields::NO_BRANCH;
use super::plan::state;
use serde::Serialize;

/// Where the particles are at one output.
#[derive(Clone, Debug, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct Tally {
    pub injected: u64,
    pub free: u64,
    pub lodged: u64,
    pub stuck: u64,
    pub exited: u64,
    /// Per opening: particles that left through it, and their volume [m³].
    pub exited_by_opening: Vec<u64>,
    pub exited_volume_by_opening_m3: Vec<f64>,
    /// Per opening: particles lodged or stuck in the branch draining to it.
    pub lodged_by_branch: Vec<u64>,
    /// Left the grid elsewhere than through an opening (should stay 0).
    pub exited_elsewhere: u64,
    pub injected_volume_m3: f64,
    pub lodged_volume_m3: f64,
}

/// Counts `status` (the kernels' (state, agent, release step, where)); `labels` are
/// the branch labels per cell, `openings` the number of openings.
pub fn tally(status: &[[u32; 4]], diameters_m: &[f64], labels: &[u32], openings: usize) -> Tally {
    let mut t = Tally {
        exited_by_opening: vec![0; openings],
        exited_volume_by_opening_m3: vec![0.0; openings],
        lodged_by_branch: vec![0; openings],
        ..Default::default()
    };
    for (s, &d) in status.iter().zip(diameters_m) {
        let volume = std::f64::consts::PI / 6.0 * d * d * d;
        if s[0] != state::WAITING {
            t.injected += 1;
            t.injected_volume_m3 += volume;
        }
        match s[0] {
            state::FREE => t.free += 1,
            state::LODGED | state::STUCK => {
                if s[0] == state::LODGED {
                    t.lodged += 1;
                } else {
                    t.stuck += 1;
                }
                t.lodged_volume_m3 += volume;
                let branch = labels.get(s[3] as usize).copied().unwrap_or(NO_BRANCH);
                if (branch as usize) < openings {
                    t.lodged_by_branch[branch as usize] += 1;
                }
            }
            state::EXITED => {
                t.exited += 1;
                let k = s[3] as usize;
                if k < openings {
                    t.exited_by_opening[k] += 1;
                    t.exited_volume_by_opening_m3[k] += volume;
                } else {
                    t.exited_elsewhere += 1;
                }
            }
            _ => {}
        }
    }
    t
}
