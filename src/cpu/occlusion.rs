//! CPU twin of the `occlude` kernel of shaders/particles/occlusion.wgsl: the lodged
//! solid fraction of each fluid cell becomes a Kozeny–Carman porous drag that grows
//! by at most a factor per update, and a cell filled past the wall fraction whose
//! drag has reached the maximum becomes wall. Same formulas and order as the kernel.

use crate::lbm::lattice::flags;
use crate::particles::kernel_params::{OcclusionParams, DRAG_GROWTH, DRAG_START};

/// The per-cell fields the update reads and changes (grid order).
pub struct OcclusionState<'a> {
    /// Per cell: solid volume fraction and Σ fraction × diameter [cells], fixed point.
    pub solid: &'a [u32],
    /// One flag per grid cell (dense).
    pub flags: &'a mut [u32],
    pub porous_drag: &'a mut [f32],
    /// (wall distance, lumen radius, solid fraction snapshot, its mean diameter).
    pub cell_geometry: &'a mut [[f32; 4]],
    pub velocity_field: &'a mut [[f32; 4]],
}

/// One occlusion update over every cell; returns the cells closed.
pub fn occlude(p: &OcclusionParams, s: &mut OcclusionState) -> u32 {
    let mut closed = 0;
    for cell in 0..s.flags.len() {
        let raw = s.solid[2 * cell];
        // A catheter's antireflux seal (negative drag) stays what it is.
        if raw == 0 || flags::kind(s.flags[cell]) != flags::FLUID || s.porous_drag[cell] < 0.0 {
            continue;
        }
        let phi = raw as f32 / p.solid_scale;
        // The lodged material's mean diameter [cells].
        let d = s.solid[2 * cell + 1] as f32 / p.solid_scale / phi;
        let mut wanted = p.max_drag;
        if phi < p.wall_fraction {
            // Kozeny–Carman: k = d² ε³ / (180 (1 − ε)²), σ = ν/k.
            let eps = 1.0 - phi;
            let k = d * d * eps * eps * eps / (180.0 * phi * phi);
            wanted = (p.nu / k.max(1e-30)).min(p.max_drag);
        }
        let current = s.porous_drag[cell];
        let next = if wanted > current {
            wanted.min((current * DRAG_GROWTH).max(DRAG_START))
        } else {
            wanted
        };
        s.porous_drag[cell] = next;
        s.cell_geometry[cell][2] = phi;
        s.cell_geometry[cell][3] = d;
        if phi >= p.wall_fraction && next >= p.max_drag {
            s.flags[cell] = flags::WALL;
            s.porous_drag[cell] = 0.0;
            s.velocity_field[cell] = [0.0; 4];
            s.cell_geometry[cell] = [-0.5, 0.0, 1.0, 0.0];
            closed += 1;
        }
    }
    closed
}
