//! Stability of the collision operators close to τ = ½: a doubly periodic shear
//! layer (Minion & Brown, J. Comput. Phys. 138 (1997) 734; the standard test of
//! Coreixas et al., Phil. Trans. R. Soc. A 378 (2020) 20190397), two thin layers at
//! y = ¼ and ¾ perturbed along x, run for a fixed number of steps at a given τ and
//! Mach number; bounded or not. At τ → ½ the layers are under-resolved by design:
//! what is measured is whether the operator stays bounded, not accuracy. The
//! stability map (`embolus bench --stability`, docs/numerics.md) is the smallest τ
//! each operator survives. Its walled case is a periodic pipe in steady flow
//! (halfway or interpolated walls), where the wall closure sets the limit.

use super::support::{circular_pipe, unit_voxels};
use crate::geometry::{cut_cells, WallSurface};
use crate::gpu::{GpuContext, GpuError};
use crate::lbm::lattice::CS2;
use crate::lbm::{CollisionModel, GridDims, LatticeSetup, Relaxation};
use crate::sim::GpuLattice;

/// Layer thickness parameter κ and perturbation δ of the standard test.
const KAPPA: f64 = 80.0;
const DELTA: f64 = 0.05;
/// Lattice speed beyond which a run counts as diverged (as in a run:
/// sim::run::DIVERGENCE_SPEED_LATTICE).
const RUNAWAY_SPEED: f32 = 0.35;

/// How a shear-layer run ended.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ShearLayerOutcome {
    /// Steps run: all of them when bounded, else when the runaway was seen.
    pub steps: u64,
    pub bounded: bool,
    /// Largest speed at the last check (lattice units; NaN when non-finite).
    pub max_speed: f32,
}

/// The initial state: u_x = U tanh(κ(y − ¼)) below y = ½, U tanh(κ(¾ − y)) above,
/// u_y = δ U sin(2π(x + ¼)), U = Ma c_s, on n × n × 1 cells (periodic).
fn shear_layer_setup(model: CollisionModel, tau: f64, mach: f64, n: usize) -> LatticeSetup {
    let u0 = mach * CS2.sqrt();
    super::flows::periodic(GridDims::new(n, n, 1), tau, model, |[x, y, _]| {
        let (xf, yf) = ((x as f64 + 0.5) / n as f64, (y as f64 + 0.5) / n as f64);
        let ux = if yf <= 0.5 {
            (KAPPA * (yf - 0.25)).tanh()
        } else {
            (KAPPA * (0.75 - yf)).tanh()
        };
        let uy = DELTA * (2.0 * std::f64::consts::PI * (xf + 0.25)).sin();
        (0.0, [(u0 * ux) as f32, (u0 * uy) as f32, 0.0])
    })
}

/// Runs the shear layer on `n`² cells at relaxation time `tau` and Mach `mach` for at
/// most `steps` steps with `model`.
pub fn shear_layer(
    ctx: &GpuContext,
    model: CollisionModel,
    tau: f64,
    mach: f64,
    n: usize,
    steps: u64,
) -> Result<ShearLayerOutcome, GpuError> {
    run_until_runaway(ctx, shear_layer_setup(model, tau, mach, n), steps)
}

/// Steady flow through a periodic pipe of radius `radius_cells` along z (length
/// [`PIPE_LENGTH`] cells), driven by the body force that holds a centreline speed
/// U = Ma c_s, started from that Poiseuille profile with a transverse wobble
/// u_x = δ U sin(2π z / L): the walls' closure near τ = ½ (halfway, or interpolated
/// on the true circle with `interpolated`), where the periodic shear layer has none.
pub fn pipe_flow(
    ctx: &GpuContext,
    model: CollisionModel,
    interpolated: bool,
    (tau, mach): (f64, f64),
    radius_cells: f64,
    steps: u64,
) -> Result<ShearLayerOutcome, GpuError> {
    run_until_runaway(
        ctx,
        pipe_setup(model, interpolated, tau, mach, radius_cells),
        steps,
    )
}

/// Cells along the stability pipe's periodic axis.
pub const PIPE_LENGTH: usize = 16;

fn pipe_setup(
    model: CollisionModel,
    interpolated: bool,
    tau: f64,
    mach: f64,
    radius_cells: f64,
) -> LatticeSetup {
    let n = 2 * radius_cells.ceil() as usize + 2;
    let half = n as f64 / 2.0;
    let (dims, cell_flags, _) = circular_pipe(n, PIPE_LENGTH, radius_cells);
    let u0 = mach * CS2.sqrt();
    let nu = (tau - 0.5) * CS2;
    // Hagen–Poiseuille: u(r) = G (R² − r²)/(4ν), so U = G R²/(4ν).
    let g = 4.0 * nu * u0 / (radius_cells * radius_cells);
    let mut setup = LatticeSetup::at_equilibrium(
        dims,
        cell_flags,
        vec![],
        0,
        Relaxation::new(tau, model),
        [0.0, 0.0, g as f32],
        |i| {
            let [x, y, z] = dims.coords(i);
            let (px, py) = (x as f64 + 0.5 - half, y as f64 + 0.5 - half);
            let profile = (1.0 - (px * px + py * py) / (radius_cells * radius_cells)).max(0.0);
            let wobble = DELTA * (2.0 * std::f64::consts::PI * z as f64 / PIPE_LENGTH as f64).sin();
            let u = [u0 * wobble * profile, 0.0, u0 * profile];
            (0.0, u.map(|v| v as f32))
        },
    );
    if interpolated {
        let circle = move |p: [f64; 3]| {
            (p[0] - half).powi(2) + (p[1] - half).powi(2) < radius_cells * radius_cells
        };
        let voxels = unit_voxels(&setup);
        let cut = cut_cells(
            &voxels,
            &vec![false; dims.cells()],
            &WallSurface::Implicit(Box::new(circle)),
        );
        crate::lbm::wall_links::attach(&mut setup, &cut);
    }
    setup
}

/// Runs `setup` for at most `steps` steps, checking every 500 whether it ran away.
fn run_until_runaway(
    ctx: &GpuContext,
    mut setup: LatticeSetup,
    steps: u64,
) -> Result<ShearLayerOutcome, GpuError> {
    let check_every = 500;
    // One population set updated in place: bitwise the two-set run
    // (tests/sparse_storage.rs), and faster where memory traffic limits the step.
    setup.in_place = true;
    let mut lattice = GpuLattice::new(ctx, &setup)?;
    let mut done = 0;
    let mut max_speed = 0.0;
    while done < steps {
        let batch = check_every.min(steps - done);
        lattice.step(ctx, batch as u32);
        done += batch;
        let totals = lattice.probe(ctx)?;
        max_speed = totals.max_speed;
        if totals.non_finite() || max_speed > RUNAWAY_SPEED {
            return Ok(ShearLayerOutcome {
                steps: done,
                bounded: false,
                max_speed: if totals.non_finite() {
                    f32::NAN
                } else {
                    max_speed
                },
            });
        }
    }
    Ok(ShearLayerOutcome {
        steps: done,
        bounded: true,
        max_speed,
    })
}

/// The smallest τ in `0.5 + [floor, ceiling]` (bisected on ln(τ − ½), `rounds` times)
/// at which `model` runs the shear layer for `steps` steps at `mach`: the lowest
/// bounded τ found and the highest unbounded one (`None` when the ceiling already
/// fails or the floor already holds).
pub fn smallest_stable_tau(
    ctx: &GpuContext,
    model: CollisionModel,
    mach: f64,
    n: usize,
    steps: u64,
    bracket: (f64, f64),
    rounds: u32,
) -> Result<(Option<f64>, Option<f64>), GpuError> {
    smallest_bounded_tau(
        |tau| Ok(shear_layer(ctx, model, tau, mach, n, steps)?.bounded),
        bracket,
        rounds,
    )
}

/// The smallest τ in `0.5 + [floor, ceiling]` at which `bounded` holds, bisected on
/// ln(τ − ½) `rounds` times: the lowest bounded τ found and the highest unbounded
/// one (`None` when the ceiling already fails or the floor already holds).
pub fn smallest_bounded_tau(
    mut bounded: impl FnMut(f64) -> Result<bool, GpuError>,
    (floor, ceiling): (f64, f64),
    rounds: u32,
) -> Result<(Option<f64>, Option<f64>), GpuError> {
    if !bounded(0.5 + ceiling)? {
        return Ok((None, Some(0.5 + ceiling)));
    }
    if bounded(0.5 + floor)? {
        return Ok((Some(0.5 + floor), None));
    }
    let (mut lo, mut hi) = (floor.ln(), ceiling.ln());
    for _ in 0..rounds {
        let mid = 0.5 * (lo + hi);
        if bounded(0.5 + mid.exp())? {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Ok((Some(0.5 + hi.exp()), Some(0.5 + lo.exp())))
}
