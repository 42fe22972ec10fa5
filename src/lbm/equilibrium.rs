//! Equilibrium and macroscopic moments for populations stored shifted by their weights.
//!
//! Storing f̃ = f − w_q (the equilibrium at rest, ρ = 1, u = 0) keeps the stored values
//! small, so f32 rounding no longer eats the density deviation: Skordos, Phys. Rev. E
//! 48 (1993) 4823; Lehmann et al., Computation 10 (2022) 92 ("DDF shifting").

use super::lattice::{Q, VELOCITIES, WEIGHTS};

/// f̃_eq = f_eq − w_q with f_eq = w_q ρ (1 + 3 c·u + 4.5 (c·u)² − 1.5 u²)
/// (Krüger et al. 2017, eq. 3.54) and ρ = 1 + δρ.
pub fn equilibrium_shifted(q: usize, delta_rho: f32, u: [f32; 3]) -> f32 {
    let c = VELOCITIES[q];
    let cu = c[0] as f32 * u[0] + c[1] as f32 * u[1] + c[2] as f32 * u[2];
    let uu = u[0] * u[0] + u[1] * u[1] + u[2] * u[2];
    let rho = 1.0 + delta_rho;
    WEIGHTS[q] * (delta_rho + rho * (3.0 * cu + 4.5 * cu * cu - 1.5 * uu))
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
/// The fluid velocity is u = (Σ f c + F/2)/ρ over the pre-collision populations (Guo et
/// al. 2002, eq. 20), and collision adds F to the momentum, so over the post-collision
/// populations the grid stores it is u = (Σ f* c − F/2)/ρ.
pub fn density_velocity(f: &[f32; Q], force: [f32; 3]) -> (f32, [f32; 3]) {
    let (delta_rho, j) = moments(f);
    let rho = 1.0 + delta_rho;
    let u = [
        (j[0] - 0.5 * force[0]) / rho,
        (j[1] - 0.5 * force[1]) / rho,
        (j[2] - 0.5 * force[2]) / rho,
    ];
    (rho, u)
}

/// Gathers cell `i`'s populations from a population-major array.
pub fn gather(populations: &[f32], cells: usize, i: usize) -> [f32; Q] {
    std::array::from_fn(|q| populations[q * cells + i])
}
