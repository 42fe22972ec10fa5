// Generalized-Newtonian viscosity for the local relaxation time (CPU twin:
// src/lbm/rheology.rs). RHEOLOGY: 0 Newtonian (nothing here runs), 1 Carreau–Yasuda,
// 2 Casson, 3 clamped power law; coefficients in params.rheology_a/b (see
// LatticeRheology::coefficients), conversions in params.rheology_conv =
// (1/dt, dt/(ρ dx²), τ_min, τ_max).
override RHEOLOGY: u32 = 0u;
// 1: add the Smagorinsky eddy viscosity (C_s² in params.rheology_b.w).
override SMAGORINSKY: u32 = 0u;
const LOCAL_TAU_ITERATIONS: u32 = 6u;

fn viscosity_si(shear_rate: f32) -> f32 {
    let a = params.rheology_a;
    let b = params.rheology_b;
    let g = abs(shear_rate);
    switch (RHEOLOGY) {
        case 1u: {
            // μ∞ + (μ0 − μ∞)[1 + (λγ̇)^a]^((n−1)/a)
            return a.y + (a.x - a.y) * pow(1.0 + pow(a.z * g, b.x), (a.w - 1.0) / b.x);
        }
        case 2u: {
            // Casson: (k0 + k1 √γ̇)² / γ̇, clamped
            if (g == 0.0) {
                return a.z;
            }
            let s = a.x + a.y * sqrt(g);
            return min(s * s / g, a.z);
        }
        case 3u: {
            if (g == 0.0) {
                return a.w;
            }
            return clamp(a.x * pow(g, a.y - 1.0), a.z, a.w);
        }
        default: {
            return a.x;
        }
    }
}

// Local τ from the non-equilibrium momentum flux Π (xx, yy, zz, xy, xz, yz):
// S = −3/(2ρ₀τ) Π, γ̇ = √(2 S:S), τ = ½ + 3ν(γ̇), iterated from the reference τ.
fn local_tau(pxx: f32, pyy: f32, pzz: f32, pxy: f32, pxz: f32, pyz: f32) -> f32 {
    let norm = sqrt(2.0 * (pxx * pxx + pyy * pyy + pzz * pzz
        + 2.0 * (pxy * pxy + pxz * pxz + pyz * pyz)));
    let conv = params.rheology_conv;
    var tau = 1.0 / params.omega_plus;
    for (var i = 0u; i < LOCAL_TAU_ITERATIONS; i++) {
        let shear_rate = 1.5 * norm / tau * conv.x;
        tau = clamp(0.5 + 3.0 * viscosity_si(shear_rate) * conv.y, conv.z, conv.w);
    }
    return tau;
}

// Smagorinsky (1963) eddy viscosity ν_t = (C_s Δ)² |S|, Δ = 1 cell, on top of the
// molecular τ: with |S| = 3 P/(2τ), P = √(2 Π:Π), τ = τ_mol + 3 ν_t has the closed form
// τ = ½ (τ_mol + √(τ_mol² + 18 C_s² P)) (Hou et al., Fields Inst. Commun. 6 (1996) 151).
fn smagorinsky_tau(tau_mol: f32, pxx: f32, pyy: f32, pzz: f32, pxy: f32, pxz: f32, pyz: f32) -> f32 {
    let p = sqrt(2.0 * (pxx * pxx + pyy * pyy + pzz * pzz
        + 2.0 * (pxy * pxy + pxz * pxz + pyz * pyz)));
    return 0.5 * (tau_mol + sqrt(tau_mol * tau_mol + 18.0 * params.rheology_b.w * p));
}

// The collision rebuilds the non-equilibrium from its moments (recursive
// regularized, shaders/lbm/collision.wgsl).
override REGULARIZED: u32 = 0u;

// ω⁻ for a local ω⁺: BGK when magic is 0, else TRT with that magic parameter.
fn omega_minus_for(omega_plus: f32) -> f32 {
    if (params.magic <= 0.0) {
        return omega_plus;
    }
    // τ⁻ capped (src/lbm/collision.rs, TAU_MINUS_MAX).
    return 1.0 / min(0.5 + params.magic / (1.0 / omega_plus - 0.5), TAU_MINUS_MAX);
}
