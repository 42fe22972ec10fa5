// Outlet conditions that depend on the flow (resistance, 3-element Windkessel), updated
// on the GPU after every step, with no host round trip. One workgroup per opening sums
// the exact lattice flux across its cells' links (as the probes do), then its first
// thread advances the outlet model and stores the outlet density deviation that the
// next stream_collide imposes.
// outlet_models[2k] = (kind, R'_p or R' or slot, C', R'_d),
// outlet_models[2k+1] = (δρ_d, δρ_fixed, β, Z)
//   kind 0: fixed pressure δρ_fixed; 1: resistance δρ = δρ_d + R' Q;
//   2: Windkessel  dp_c/dt = (Q − (p_c − δρ_d)/R'_d)/C',  δρ = p_c + R'_p Q;
//   3: pressure from the step schedule, step_state.outlet_pressure[slot]
//   (all in density-deviation units, δρ = 3 p, time in steps; src/lbm/outlets.rs)
// outlet_state[k] = (δρ imposed, p_c, Q of the last step, Q̄ the slow part of Q)
// The model's δρ moves towards its value by a fraction β per step: an outlet
// resistance far above the lattice's acoustic impedance would otherwise feed the
// flux it measures straight back into the pressure and oscillate. Steady states are
// unchanged.
// Non-reflecting outlets (Z > 0) add Z (Q − Q̄): the fast part of the flux, times
// the lattice acoustic impedance Z = √3/A, which is what an endless tube would
// answer to a wave leaving through the opening, so the wave leaves without
// reflection; Q̄ follows Q with the time constant 1/OUTLET_FILTER_RATE steps, much
// longer than a sound transit and much shorter than a cardiac cycle.
// Bindings: src/kernels/lbm.rs (outlets).
override OUTLET_FILTER_RATE: f32 = 0.0;

var<workgroup> flux_sum: array<f32, REDUCTION_WORKGROUP_SIZE>;

@compute @workgroup_size(REDUCTION_WORKGROUP_SIZE)
fn update_outlets(
    @builtin(local_invocation_index) local: u32,
    @builtin(workgroup_id) wid: vec3<u32>,
) {
    let k = wid.x;
    let range = opening_ranges[k];
    var flux = 0.0;
    for (var n = local; n < range.y; n += REDUCTION_WORKGROUP_SIZE) {
        let cell = opening_cells[range.x + n];
        let p = cell_coords(cell);
        for (var q = 1u; q < Q; q++) {
            let nb = neighbor_index(p, vec3<i32>(CX[q], CY[q], CZ[q]));
            if ((cell_flag(nb) & TYPE_MASK) == CELL_FLUID) {
                flux += load_src(q, cell) - load_src(OPP[q], nb);
            }
        }
    }
    flux_sum[local] = flux;
    workgroupBarrier();
    for (var stride = REDUCTION_WORKGROUP_SIZE / 2u; stride > 0u; stride /= 2u) {
        if (local < stride) {
            flux_sum[local] += flux_sum[local + stride];
        }
        workgroupBarrier();
    }
    if (local == 0u) {
        // Outflow is positive out of the vessel.
        let outflow = -flux_sum[0];
        let model = outlet_models[2u * k];
        let pressures = outlet_models[2u * k + 1u];
        var state = outlet_state[k];
        let kind = u32(model.x);
        let beta = pressures.z;
        let impedance = pressures.w;
        // The model's own δρ: the imposed one less last step's impedance term.
        var modelled = state.x - impedance * (state.z - state.w);
        if (kind == 1u) {
            modelled += beta * (pressures.x + model.y * outflow - modelled);
        } else if (kind == 2u) {
            state.y += (outflow - (state.y - pressures.x) / model.w) / model.z;
            modelled += beta * (state.y + model.y * outflow - modelled);
        } else if (kind == 3u) {
            let slot = u32(model.y);
            modelled = step_state.outlet_pressure[slot / 4u][slot % 4u];
        } else {
            modelled = pressures.y;
        }
        state.w += OUTLET_FILTER_RATE * (outflow - state.w);
        state.x = modelled + impedance * (outflow - state.w);
        state.z = outflow;
        outlet_state[k] = state;
    }
}
