// The collision of the step kernels: two-relaxation-time (TRT) with Guo forcing, on
// the incompressible equilibrium (ρ₀ = 1, populations stored shifted by their
// weights). BGK is TRT with ω⁻ = ω⁺; the recursive regularized operator relaxes the
// non-equilibrium rebuilt from its second- and third-order Hermite moments
// (`regularized_plus`, `regularized_minus`) with one rate. The generated fluid update (src/kernels/
// fluid_update.rs; its text for every layout in shaders/generated/) streams, takes
// the moments and calls these per cell and per pair of opposite directions.
// CPU twin: src/cpu/stream_collide.rs, collide (same operations, same order).

struct Forcing {
    u: vec3<f32>,
    force: vec3<f32>,
}

// The velocity of the collision and the force it carries: u = j + F/2 (Guo, Zheng &
// Shi, Phys. Rev. E 65 (2002) 046308, with ρ₀ = 1). Coupled to particles, the porous
// drag of lodged agents F_p = −σu is taken implicitly, u = (j + F/2)/(1 + σ/2)
// (shaders/particles/occlusion.wgsl sets σ), and the cell's (u, δρ) is published for
// the particles and the renderer.
fn velocity_and_force(cell: u32, delta_rho: f32, j: vec3<f32>) -> Forcing {
    var force = step_state.force.xyz;
    var u = j + 0.5 * force;
    if (COUPLED != 0u) {
        var sigma = porous_drag[cell];
        // An antireflux tip's seal (negative σ): drag −σ on flow against the valve's
        // direction only, none on flow through it.
        if (sigma < 0.0) {
            sigma = select(0.0, -sigma, dot(u, params.valve.xyz) < 0.0);
        }
        u = u / (1.0 + 0.5 * sigma);
        force -= sigma * u;
        velocity_field[cell] = vec4<f32>(u, delta_rho);
    }
    return Forcing(u, force);
}

// The symmetric and antisymmetric equilibria of a pair (q, q̄) with weight w:
// f_eq± = ½(f_eq,q ± f_eq,q̄), i.e. w (δρ + 4.5 (c·u)² − 1.5 u·u) and 3 w (c·u)
// (Ginzburg, Verhaeghe & d'Humières, Commun. Comput. Phys. 3 (2008) 427).
fn trt_equilibrium(w: f32, delta_rho: f32, cu: f32, uu: f32) -> vec2<f32> {
    return vec2<f32>(w * (delta_rho + 4.5 * cu * cu - 1.5 * uu), w * 3.0 * cu);
}

// (ω⁺, ω⁻) from the non-equilibrium stress Π_neq (xx, yy, zz, xy, xz, yz): the local
// relaxation time of shear-thinning blood, then the Smagorinsky eddy viscosity on top
// (shaders/common/rheology.wgsl); ω⁻ from the magic parameter.
fn local_rates(pxx: f32, pyy: f32, pzz: f32, pxy: f32, pxz: f32, pyz: f32) -> vec2<f32> {
    var tau = 1.0 / params.omega_plus;
    if (RHEOLOGY != 0u) {
        tau = local_tau(pxx, pyy, pzz, pxy, pxz, pyz);
    }
    if (SMAGORINSKY != 0u) {
        tau = smagorinsky_tau(tau, pxx, pyy, pzz, pxy, pxz, pyz);
    }
    let wp = 1.0 / tau;
    return vec2<f32>(wp, omega_minus_for(wp));
}

// The symmetric part a pair relaxes: f⁺ itself (TRT, BGK), or, regularized, its
// equilibrium plus the second-order Hermite projection of the cell's non-equilibrium
// stress, f⁺_eq + w (9/2)(c c − I/3) : Π_neq (`projected` = w (c c − I/3) : Π_neq):
// the even non-hydrodynamic moments then return to equilibrium every step (Latt &
// Chopard, Math. Comput. Simul. 72 (2006) 165; src/lbm/collision.rs).
fn regularized_plus(f_plus: f32, eq_plus: f32, projected: f32) -> f32 {
    if (REGULARIZED != 0u) {
        return eq_plus + 4.5 * projected;
    }
    return f_plus;
}

// The antisymmetric part a pair relaxes: f⁻ itself, or, regularized, its equilibrium,
// the first-order part the force leaves (−F/2 in the momentum, so that with Guo's
// source the new momentum is j + F) and, recursively, the third-order Hermite part of
// the non-equilibrium, a3 = u ⊗ Π_neq symmetrized (Malaspinas 2015):
// w/(6 c_s⁶) H3 : a3 = 13.5 w T, T = (c·u)(c·Π·c) − [(c·u) tr Π + 2 c·Π·u]/3
// (c_s² = 1/3; the Hermite terms D3Q19 cannot carry, H_xxx and H_xyz, vanish on its
// velocities, so evaluating T there is the projection).
fn regularized_minus(
    f_minus: f32,
    eq_minus: f32,
    w: f32,
    cf: f32,
    cu: f32,
    cpc: f32,
    trace: f32,
    c_pu: f32,
) -> f32 {
    if (REGULARIZED == 0u) {
        return f_minus;
    }
    let third = cu * cpc - (cu * trace + 2.0 * c_pu) / 3.0;
    return eq_minus - 1.5 * w * cf + 13.5 * w * third;
}

// The rates a pair relaxes with: one rate for the rebuilt non-equilibrium when
// regularized (the antisymmetric part's first-order share then still gives j + F).
fn regularized_rates(rates: vec2<f32>) -> vec2<f32> {
    if (REGULARIZED != 0u) {
        return vec2<f32>(rates.x, rates.x);
    }
    return rates;
}

// One pair relaxed: f±* = f± − ω± (f± − f_eq±) + (1 − ω±/2) S±, with Guo's source
// split into S⁺ = w (9 (c·u)(c·F) − 3 u·F) and S⁻ = 3 w (c·F). Returns the new
// (f_q, f_q̄) = (f⁺* + f⁻*, f⁺* − f⁻*).
fn trt_relax(
    w: f32,
    cu: f32,
    cf: f32,
    uf: f32,
    f_plus: f32,
    f_minus: f32,
    eq: vec2<f32>,
    rates: vec2<f32>,
) -> vec2<f32> {
    let source_plus = w * (9.0 * cu * cf - 3.0 * uf);
    let source_minus = w * 3.0 * cf;
    let symmetric = f_plus - rates.x * (f_plus - eq.x) + (1.0 - 0.5 * rates.x) * source_plus;
    let antisymmetric = f_minus - rates.y * (f_minus - eq.y) + (1.0 - 0.5 * rates.y) * source_minus;
    return vec2<f32>(symmetric + antisymmetric, symmetric - antisymmetric);
}
