//! Lid-driven cavity against Ghia, Ghia & Shin (J. Comput. Phys. 48 (1982) 387),
//! table I: the horizontal velocity along the vertical centreline at Re 100, 400 and
//! 1000. Quasi-2D: N × N cells in x and y, one periodic cell in z; still walls left,
//! right and below, the lid a moving wall (halfway bounce-back with Ladd's momentum
//! term) above, so the cavity is exactly N × N between the halfway walls.

use crate::gpu::{GpuContext, GpuError};
use crate::lbm::lattice::flags;
use crate::lbm::{BoundaryRecord, CollisionModel, GridDims, LatticeSetup, Relaxation};
use crate::sim::GpuLattice;

/// Ghia et al. 1982, table I (as in docs/references.md): y/L and u/U at
/// Re 100, 400, 1000 along the vertical centreline.
pub const GHIA_U: [(f64, [f64; 3]); 13] = [
    (1.0, [1.0, 1.0, 1.0]),
    (0.9766, [0.84123, 0.75837, 0.65928]),
    (0.9531, [0.68717, 0.55892, 0.46604]),
    (0.8516, [0.23151, 0.29093, 0.33304]),
    (0.7344, [0.00332, 0.16256, 0.18719]),
    (0.6172, [-0.13641, 0.02135, 0.05702]),
    (0.5, [-0.20581, -0.11477, -0.06080]),
    (0.4531, [-0.21090, -0.17119, -0.10648]),
    (0.2813, [-0.15662, -0.32726, -0.27805]),
    (0.1719, [-0.10150, -0.24299, -0.38289]),
    (0.1016, [-0.06434, -0.14612, -0.29730]),
    (0.0625, [-0.04192, -0.09266, -0.20196]),
    (0.0, [0.0, 0.0, 0.0]),
];

/// The Reynolds numbers of Ghia's table, in column order.
pub const GHIA_RE: [f64; 3] = [100.0, 400.0, 1000.0];

/// A converged cavity: u/U along the vertical centreline at the cell centres
/// (y/L, u/U), and the comparison with Ghia's points.
pub struct CavityResult {
    pub reynolds: f64,
    pub cells: usize,
    pub steps: u64,
    pub tau: f64,
    pub profile: Vec<(f64, f64)>,
    /// Largest |u − u_Ghia|/U over Ghia's interior points.
    pub max_error: f64,
    /// Root mean square of the same.
    pub rms_error: f64,
}

/// Lid speed in lattice units: Mach 0.06 keeps the compressibility error ~Ma² small.
const LID_SPEED: f64 = 0.1;

/// Runs the cavity at `reynolds` (one of [`GHIA_RE`]) with `n` cells per side until the
/// centreline profile changes by less than 1e-5 U per 1000 steps (at most
/// `max_steps`).
pub fn run(
    ctx: &GpuContext,
    reynolds: f64,
    n: usize,
    max_steps: u64,
) -> Result<CavityResult, GpuError> {
    let column = GHIA_RE
        .iter()
        .position(|&r| r == reynolds)
        .expect("a Reynolds number of Ghia's table");
    let dims = GridDims::new(n + 2, n + 2, 1);
    let cell_flags: Vec<u32> = (0..dims.cells())
        .map(|i| {
            let [x, y, _] = dims.coords(i);
            if y == n + 1 {
                flags::moving_wall(1)
            } else if x == 0 || x == n + 1 || y == 0 {
                flags::WALL
            } else {
                flags::FLUID
            }
        })
        .collect();
    let lid = BoundaryRecord {
        velocity: [LID_SPEED as f32, 0.0, 0.0],
        delta_density: 0.0,
    };
    let nu = LID_SPEED * n as f64 / reynolds;
    let tau = 3.0 * nu + 0.5;
    let setup = LatticeSetup::at_equilibrium(
        dims,
        cell_flags,
        vec![BoundaryRecord::default(), lid],
        0,
        Relaxation::new(tau, CollisionModel::default()),
        [0.0; 3],
        |_| (0.0, [0.0; 3]),
    );
    let mut lattice = GpuLattice::new(ctx, &setup)?;
    // The vertical centreline lies between columns n/2 and n/2 + 1 (n even) or on
    // column (n + 1)/2 (n odd).
    let columns = if n.is_multiple_of(2) {
        vec![n / 2, n / 2 + 1]
    } else {
        vec![n.div_ceil(2)]
    };
    let profile_of = |pops: &[f32]| -> Vec<(f64, f64)> {
        let cells = dims.cells();
        (1..=n)
            .map(|y| {
                let u: f64 = columns
                    .iter()
                    .map(|&x| {
                        let i = dims.index(x, y, 0);
                        let f = crate::lbm::equilibrium::gather(pops, cells, i);
                        crate::lbm::equilibrium::density_velocity(&f, [0.0; 3]).1[0] as f64
                    })
                    .sum::<f64>()
                    / columns.len() as f64;
                ((y as f64 - 0.5) / n as f64, u / LID_SPEED)
            })
            .collect()
    };
    let check = 1000u32;
    let mut steps = 0u64;
    let mut previous = profile_of(&lattice.read_populations(ctx)?);
    loop {
        lattice.step(ctx, check);
        steps += check as u64;
        let profile = profile_of(&lattice.read_populations(ctx)?);
        let change = profile
            .iter()
            .zip(&previous)
            .map(|(a, b)| (a.1 - b.1).abs())
            .fold(0.0, f64::max);
        previous = profile;
        if change < 1e-5 || steps >= max_steps {
            break;
        }
    }
    ctx.finish()?;
    // Linear interpolation of the profile, with the walls' no-slip (y 0) and lid (y 1).
    let mut points = vec![(0.0, 0.0)];
    points.extend(previous.iter().copied());
    points.push((1.0, 1.0));
    let at = |y: f64| -> f64 {
        let k = points
            .partition_point(|p| p.0 < y)
            .clamp(1, points.len() - 1);
        let (a, b) = (points[k - 1], points[k]);
        a.1 + (b.1 - a.1) * (y - a.0) / (b.0 - a.0)
    };
    let errors: Vec<f64> = GHIA_U[1..GHIA_U.len() - 1]
        .iter()
        .map(|(y, u)| (at(*y) - u[column]).abs())
        .collect();
    Ok(CavityResult {
        reynolds,
        cells: n,
        steps,
        tau,
        profile: previous,
        max_error: errors.iter().copied().fold(0.0, f64::max),
        rms_error: (errors.iter().map(|e| e * e).sum::<f64>() / errors.len() as f64).sqrt(),
    })
}
