//! Equilibrium and macroscopic moments for populations stored shifted by their weights.
//!
//! Storing f̃ = f − w_q (the equilibrium at rest, ρ = 1, u = 0) keeps the stored values
//! small, so f32 rounding no longer eats the density deviation: Skordos, Phys. Rev. E
//! 48 (1993) 4823; Lehmann et al., Computation 10 (2022) 92 ("DDF shifting").

use super::lattice::{Q, VELOCITIES, WEIGHTS};

/// f̃_eq = f_eq − w_q for the incompressible equilibrium of He & Luo (J. Stat. Phys.
/// 88 (1997) 927): f_eq = w_q (ρ + ρ₀ (3 c·u + 4.5 (c·u)² − 1.5 u²)) with ρ₀ = 1 and
/// ρ = 1 + δρ. The momentum is ρ₀u, not ρu, so the lattice's small density changes
/// (the pressure) do not leak into the flow rate: mass conservation is volume
/// conservation, as in blood.
pub fn equilibrium_shifted(q: usize, delta_rho: f32, u: [f32; 3]) -> f32 {
    let c = VELOCITIES[q];
    let cu = c[0] as f32 * u[0] + c[1] as f32 * u[1] + c[2] as f32 * u[2];
    let uu = u[0] * u[0] + u[1] * u[1] + u[2] * u[2];
    WEIGHTS[q] * (delta_rho + 3.0 * cu + 4.5 * cu * cu - 1.5 * uu)
}

/// Density deviation δρ = Σ f̃ and momentum j = Σ f̃ c of one cell's populations.
pub fn moments(f: &[f32; Q]) -> (f32, [f32; 3]) {
    let mut delta_rho = 0.0f32;
    let mut j = [0.0f32; 3];
    for q in 0..Q {
        delta_rho += f[q];
        for a in 0..3 {
            j[a] += f[q] * VELOCITIES[q][a] as f32;
        }
    }
    (delta_rho, j)
}

/// Density and velocity of one cell from its stored, post-collision populations.
///
/// The fluid velocity is u = (Σ f c + F/2)/ρ₀ over the pre-collision populations (Guo
/// et al. 2002, eq. 20, with the incompressible model's ρ₀ = 1), and collision adds F to
/// the momentum, so over the post-collision populations the grid stores it is
/// u = Σ f* c − F/2.
pub fn density_velocity(f: &[f32; Q], force: [f32; 3]) -> (f32, [f32; 3]) {
    let (delta_rho, j) = moments(f);
    let u = [
        j[0] - 0.5 * force[0],
        j[1] - 0.5 * force[1],
        j[2] - 0.5 * force[2],
    ];
    (1.0 + delta_rho, u)
}

/// Gathers cell `i`'s populations from a population-major array.
pub fn gather(populations: &[f32], cells: usize, i: usize) -> [f32; Q] {
    std::array::from_fn(|q| populations[q * cells + i])
}
