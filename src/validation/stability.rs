//! Stability of the collision operators close to τ = ½: a doubly periodic shear
//! layer (Minion & Brown, J. Comput. Phys. 138 (1997) 734; the standard test of
//! Coreixas et al., Phil. Trans. R. Soc. A 378 (2020) 20190397), two thin layers at
//! y = ¼ and ¾ perturbed along x, run for a fixed number of steps at a given τ and
//! Mach number; bounded or not. At τ → ½ the layers are under-resolved by design:
//! what is measured is whether the operator stays bounded, not accuracy. The
//! stability map (`embolus bench --stability`, docs/numerics.md) is the smallest τ
//! each operator survives.

use crate::gpu::{GpuContext, GpuError};
use crate::lbm::lattice::CS2;
use crate::lbm::{CollisionModel, GridDims, LatticeSetup};
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
/// most `steps` steps with `model`, checking every `check_every` steps.
pub fn shear_layer(
    ctx: &GpuContext,
    model: CollisionModel,
    tau: f64,
    mach: f64,
    n: usize,
    steps: u64,
) -> Result<ShearLayerOutcome, GpuError> {
    let check_every = 500;
    let mut setup = shear_layer_setup(model, tau, mach, n);
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
    (floor, ceiling): (f64, f64),
    rounds: u32,
) -> Result<(Option<f64>, Option<f64>), GpuError> {
    let bounded = |tau: f64| -> Result<bool, GpuError> {
        Ok(shear_layer(ctx, model, tau, mach, n, steps)?.bounded)
    };
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
