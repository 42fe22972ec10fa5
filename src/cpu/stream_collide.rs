//! A plain-Rust reference of one GPU step (`shaders/lbm/stream_collide.wgsl`), with the
//! same layout and the same order of operations, for GPU-vs-CPU tests on small grids.

use crate::lbm::collision::Relaxation;
use crate::lbm::equilibrium::{equilibrium_shifted, gather, moments};
use crate::lbm::lattice::{flags, opposite, Q, VELOCITIES, WEIGHTS};
use crate::lbm::rheology::LatticeRheology;
use crate::lbm::setup::{BoundaryRecord, GridDims};
use crate::lbm::wall_links::{entry_links, interpolated_bounce_back};

/// Post-collision populations of one cell (TRT with Guo forcing; BGK when ω⁻ = ω⁺).
/// `f` holds the streamed (pre-collision) populations, shifted by their weights.
///
/// Each opposite pair (q, ō) is relaxed through its symmetric part f⁺ = (f_q + f_ō)/2
/// and antisymmetric part f⁻ = (f_q − f_ō)/2:
/// f*_q = [f⁺ − ω⁺(f⁺ − f⁺_eq) + (1 − ω⁺/2) S⁺] + [f⁻ − ω⁻(f⁻ − f⁻_eq) + (1 − ω⁻/2) S⁻],
/// f*_ō the same with the antisymmetric bracket negated. The generated GPU code
/// (`kernels::fluid_update`, with shaders/lbm/collision.wgsl) performs the same operations in the same order.
pub fn collide(
    f: &[f32; Q],
    relaxation: Relaxation,
    force: [f32; 3],
    rheology: Option<&LatticeRheology>,
    smagorinsky: Option<f32>,
) -> [f32; Q] {
    let (delta_rho, j) = moments(f);
    // Incompressible model (equilibrium.rs): u = (Σ f c + F/2)/ρ₀, ρ₀ = 1.
    let u = [
        j[0] + 0.5 * force[0],
        j[1] + 0.5 * force[1],
        j[2] + 0.5 * force[2],
    ];
    let uu = u[0] * u[0] + u[1] * u[1] + u[2] * u[2];
    let uf = u[0] * force[0] + u[1] * force[1] + u[2] * force[2];
    let pairs: Vec<usize> = (0..Q).filter(|&q| q <= opposite(q)).collect();
    // Pass 1: symmetric and antisymmetric parts and their equilibria, per pair.
    struct Pair {
        cu: f32,
        cf: f32,
        eq_plus: f32,
        eq_minus: f32,
        f_plus: f32,
        f_minus: f32,
    }
    let parts: Vec<Pair> = pairs
        .iter()
        .map(|&q| {
            let o = opposite(q);
            let c = VELOCITIES[q].map(|v| v as f32);
            let cu = c[0] * u[0] + c[1] * u[1] + c[2] * u[2];
            let w = WEIGHTS[q];
            Pair {
                cu,
                cf: c[0] * force[0] + c[1] * force[1] + c[2] * force[2],
                eq_plus: w * (delta_rho + 4.5 * cu * cu - 1.5 * uu),
                eq_minus: w * 3.0 * cu,
                f_plus: 0.5 * (f[q] + f[o]),
                f_minus: 0.5 * (f[q] - f[o]),
            }
        })
        .collect();
    let (mut wp, mut wm) = (relaxation.omega_plus, relaxation.omega_minus);
    let regularized = relaxation.model.is_regularized();
    // Π_neq = Σ_q f_neq c c: each pair contributes 2 (f⁺ − f⁺_eq) c c.
    let mut pi = [0.0f32; 6];
    if rheology.is_some() || smagorinsky.is_some() || regularized {
        let index = [(0, 0), (1, 1), (2, 2), (0, 1), (0, 2), (1, 2)];
        for (k, &(a, b)) in index.iter().enumerate() {
            let mut sum = 0.0f32;
            for (p, &q) in parts.iter().zip(&pairs) {
                let cc = VELOCITIES[q][a] * VELOCITIES[q][b];
                if cc != 0 {
                    sum += cc as f32 * (p.f_plus - p.eq_plus);
                }
            }
            pi[k] = 2.0 * sum;
        }
    }
    if rheology.is_some() || smagorinsky.is_some() {
        let mut tau = 1.0 / relaxation.omega_plus;
        if let Some(r) = rheology {
            tau = r.local_tau(pi, tau);
        }
        if let Some(c) = smagorinsky {
            // Smagorinsky closed form (shaders/common/rheology.wgsl, Hou et al. 1996).
            let p = (2.0
                * (pi[0] * pi[0]
                    + pi[1] * pi[1]
                    + pi[2] * pi[2]
                    + 2.0 * (pi[3] * pi[3] + pi[4] * pi[4] + pi[5] * pi[5])))
                .sqrt();
            tau = 0.5 * (tau + (tau * tau + 18.0 * c * c * p).sqrt());
        }
        wp = 1.0 / tau;
        wm = relaxation.omega_minus_for(wp);
    }
    let (cp, cm) = (1.0 - 0.5 * wp, 1.0 - 0.5 * wm);
    // Pass 2: relax each pair.
    let mut post = [0.0f32; Q];
    for (p, &q) in parts.iter().zip(&pairs) {
        let o = opposite(q);
        let w = WEIGHTS[q];
        let source_plus = w * (9.0 * p.cu * p.cf - 3.0 * uf);
        let source_minus = w * 3.0 * p.cf;
        // Regularized: the symmetric part is its equilibrium plus the projection of
        // Π_neq on the second-order Hermite polynomial, w (9/2) (c c − I/3) : Π_neq.
        let f_plus = if regularized {
            p.eq_plus + w * 4.5 * hermite2(VELOCITIES[q], &pi)
        } else {
            p.f_plus
        };
        let symmetric = f_plus - wp * (f_plus - p.eq_plus) + cp * source_plus;
        // Regularized: the antisymmetric part is its equilibrium, the force's
        // first-order share and the recursive third-order Hermite part
        // (shaders/lbm/collision.wgsl, regularized_minus), relaxed with ω⁺.
        let f_minus = if regularized {
            p.eq_minus - 1.5 * w * p.cf + 13.5 * w * hermite3(VELOCITIES[q], u, &pi)
        } else {
            p.f_minus
        };
        let antisymmetric = f_minus - wm * (f_minus - p.eq_minus) + cm * source_minus;
        post[q] = symmetric + antisymmetric;
        post[o] = symmetric - antisymmetric;
    }
    post
}

/// The recursive third-order term T = (c·u)(c·Π·c) − [(c·u) tr Π + 2 c·Π·u]/3 for
/// Π stored as xx, yy, zz, xy, xz, yz (shaders/lbm/collision.wgsl).
pub fn hermite3(c: [i32; 3], u: [f32; 3], pi: &[f32; 6]) -> f32 {
    let trace = pi[0] + pi[1] + pi[2];
    let cpc = hermite2(c, pi) + trace / 3.0;
    let pi_u = [
        pi[0] * u[0] + pi[3] * u[1] + pi[4] * u[2],
        pi[3] * u[0] + pi[1] * u[1] + pi[5] * u[2],
        pi[4] * u[0] + pi[5] * u[1] + pi[2] * u[2],
    ];
    let c = c.map(|v| v as f32);
    let cu = c[0] * u[0] + c[1] * u[1] + c[2] * u[2];
    let c_pu = c[0] * pi_u[0] + c[1] * pi_u[1] + c[2] * pi_u[2];
    cu * cpc - (cu * trace + 2.0 * c_pu) / 3.0
}

/// (c c − I/3) : Π for Π stored as xx, yy, zz, xy, xz, yz.
pub fn hermite2(c: [i32; 3], pi: &[f32; 6]) -> f32 {
    let c = c.map(|v| v as f32);
    let trace = (pi[0] + pi[1] + pi[2]) / 3.0;
    c[0] * c[0] * pi[0]
        + c[1] * c[1] * pi[1]
        + c[2] * c[2] * pi[2]
        + 2.0 * (c[0] * c[1] * pi[3] + c[0] * c[2] * pi[4] + c[1] * c[2] * pi[5])
        - trace
}

/// Populations of an inlet or outlet cell by non-equilibrium extrapolation from its
/// inward neighbour (Guo, Zheng & Shi, Chinese Physics 11 (2002) 366), regularized:
/// f_b = f_eq(ρ_b, u_b) + f_neq(Π_neq of the neighbour). Inlets impose u_b and take ρ_b from
/// the neighbour; outlets impose ρ_b and take u_b from the neighbour.
pub fn boundary_populations(
    neighbor: &[f32; Q],
    is_inlet: bool,
    record: BoundaryRecord,
    inlet_scale: f32,
) -> [f32; Q] {
    let (delta_rho_nb, u_nb) = moments(neighbor);
    let (delta_rho_b, u_b) = if is_inlet {
        (delta_rho_nb, record.velocity.map(|v| v * inlet_scale))
    } else {
        (record.delta_density, u_nb)
    };
    // Regularized: only the neighbour's second-order non-equilibrium moment Π_neq is
    // carried over, f_neq_q = w_q (9/2) (c_qα c_qβ − δ_αβ/3) Π_αβ (Latt et al., Phys.
    // Rev. E 77 (2008) 056703). Copying f_neq whole also copies its ghost
    // (non-hydrodynamic) part, which close to τ = 1/2 grows at the opening.
    let mut pi = [[0.0f32; 3]; 3];
    for (q, c) in VELOCITIES.iter().enumerate() {
        let neq = neighbor[q] - equilibrium_shifted(q, delta_rho_nb, u_nb);
        for a in 0..3 {
            for b in 0..3 {
                pi[a][b] += neq * (c[a] * c[b]) as f32;
            }
        }
    }
    std::array::from_fn(|q| {
        let c = VELOCITIES[q];
        let mut qpi = 0.0f32;
        for a in 0..3 {
            for b in 0..3 {
                let delta = if a == b { 1.0 / 3.0 } else { 0.0 };
                qpi += ((c[a] * c[b]) as f32 - delta) * pi[a][b];
            }
        }
        equilibrium_shifted(q, delta_rho_b, u_b) + WEIGHTS[q] * 4.5 * qpi
    })
}

/// Replaces the halfway bounce-back of each link of `cell` the true wall cuts by
/// interpolated bounce-back (`lbm::wall_links::interpolated_bounce_back`). A link
/// whose wall cell was reopened since keeps the streamed value.
fn interpolate_walls(
    inputs: &StepInputs,
    src: &[f32],
    cell: usize,
    entry: usize,
    streamed: &mut [f32; Q],
) {
    let n = inputs.dims.cells();
    for (q, distance, _) in entry_links(inputs.wall_links, entry) {
        let c = VELOCITIES[q];
        let from = inputs.dims.neighbor(cell, [-c[0], -c[1], -c[2]]);
        if flags::kind(inputs.flags[from]) != flags::WALL {
            continue;
        }
        let inward = inputs.dims.neighbor(cell, c);
        let second = (flags::kind(inputs.flags[inward]) == flags::FLUID)
            .then(|| src[opposite(q) * n + inward]);
        streamed[q] = interpolated_bounce_back(distance, streamed[q], second, src[q * n + cell]);
    }
}

/// Everything one step reads besides the populations.
pub struct StepInputs<'a> {
    pub dims: GridDims,
    pub flags: &'a [u32],
    pub records: &'a [BoundaryRecord],
    pub relaxation: Relaxation,
    pub rheology: Option<LatticeRheology>,
    pub smagorinsky: Option<f32>,
    pub force: [f32; 3],
    pub inlet_scale: f32,
    /// The wall-link table of interpolated walls (empty: halfway everywhere).
    pub wall_links: &'a [u32],
}

/// One pull-stream + collide step from `src` into `dst` (population-major, shifted).
/// Wall cells of `dst` are left untouched: nothing reads them.
pub fn step(inputs: &StepInputs, src: &[f32], dst: &mut [f32]) {
    let n = inputs.dims.cells();
    for cell in 0..n {
        let flag = inputs.flags[cell];
        let post = match flags::kind(flag) {
            flags::WALL => continue,
            kind @ (flags::INLET | flags::OUTLET) => {
                let inward = inputs
                    .dims
                    .neighbor(cell, VELOCITIES[flags::inward_dir(flag)]);
                // An inward neighbour closed by occlusion holds stale populations:
                // extrapolate from the opening cell itself instead.
                let nb = if flags::kind(inputs.flags[inward]) == flags::WALL {
                    cell
                } else {
                    inward
                };
                boundary_populations(
                    &gather(src, n, nb),
                    kind == flags::INLET,
                    inputs.records[flags::record(flag)],
                    inputs.inlet_scale,
                )
            }
            _ => {
                let mut streamed: [f32; Q] = std::array::from_fn(|q| {
                    let c = VELOCITIES[q];
                    let from = inputs.dims.neighbor(cell, [-c[0], -c[1], -c[2]]);
                    let wall = inputs.flags[from];
                    if flags::kind(wall) == flags::WALL {
                        // Halfway bounce-back: the population that left towards the
                        // wall comes back reversed (Krüger et al. 2017, sec. 5.3.3),
                        // plus 2 w ρ₀ (c·u_w)/c_s² from a moving wall (Ladd 1994;
                        // Krüger et al. eq. 5.26), ρ₀ = 1 (incompressible model).
                        let mut f = src[opposite(q) * n + cell];
                        if flags::record(wall) != 0 {
                            let u = inputs.records[flags::record(wall)].velocity;
                            let cu = c[0] as f32 * u[0] + c[1] as f32 * u[1] + c[2] as f32 * u[2];
                            f += 6.0 * WEIGHTS[q] * cu;
                        }
                        f
                    } else {
                        src[q * n + from]
                    }
                });
                if let Some(entry) = flags::link_entry(flag) {
                    interpolate_walls(inputs, src, cell, entry, &mut streamed);
                }
                collide(
                    &streamed,
                    inputs.relaxation,
                    inputs.force,
                    inputs.rheology.as_ref(),
                    inputs.smagorinsky,
                )
            }
        };
        for q in 0..Q {
            dst[q * n + cell] = post[q];
        }
    }
}
