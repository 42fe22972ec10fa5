// Outlet conditions that depend on the flow (resistance, 3-element Windkessel), updated
// on the GPU after every step, with no host round trip. One workgroup per opening sums
// the exact lattice flux across its cells' links (as the probes do), then its first
// thread advances the outlet model and stores the outlet density deviation that the
// next stream_collide imposes.
// outlet_models[2k] = (kind, R'_p or R' or slot, C', R'_d),
// outlet_models[2k+1] = (δρ_d, δρ_fixed, β, Z)
//   kind 0: fixed pressure δρ_fixed; 1: resistance δρ = δρ_d + R' Q;
//   2: Windkessel  dp_c/dt = (Q − (p_c − δρ_d)/R'_d)/C',  δρ = p_c + R'_p Q;
//   3: pressure from the step schedule, step_state.outlet_pressure[slot];
//   kinds 1 and 2 with δρ_fixed = slot + 1 > 0 take δρ_d from the schedule's slot
//   (a pressure-driven inlet whose source pressure follows a waveform)
//   (all in density-deviation units, δρ = 3 p, time in steps; src/lbm/outlets.rs)
// outlet_state[k] = (δρ imposed, p_c, Q of the last step, δρ of the model alone)
// outlet_flux[k] = (Q of this step, Q̄ its slow part, 0, 0)
// The model's δρ moves towards its value by a fraction β per step: an outlet
// resistance far above the lattice's acoustic impedance would otherwise feed the
// flux it measures straight back into the pressure and oscillate. Steady states are
// unchanged.
// Non-reflecting outlets (Z > 0) add Z (Q − Q_ref), Z = √3/A the lattice acoustic
// impedance, which is what an endless tube answers to a wave leaving through the
// opening, so the wave leaves without reflection. Q_ref is the outflow an
// incompressible fluid would have now: this outlet's share of the inflow of the last
// step, Q_ref = Q̄ + s (Q_in − Q̄_in) with s = Q̄ / Σ Q̄ over the outlets (Q̄, Q̄_in:
// slow parts, time constant 1/OUTLET_FILTER_RATE steps, four sound transits of the
// domain). In the incompressible limit Q = Q_ref and the outlet imposes its model
// alone: no added impedance at cardiac frequencies (the residual is second order in
// the acoustic number ωL/c_s, docs/boundaries.md). Without inlets Q_ref = Q̄, a
// high-pass on the outlet's own flux.
// Bindings: src/kernels/lbm.rs (outlets).
override OUTLET_FILTER_RATE: f32 = 0.0;

var<workgroup> flux_sum: array<f32, REDUCTION_WORKGROUP_SIZE>;

// INLET_KIND, the kind of inlet openings in outlet_models, and DRIVEN_INLET, added to
// the kind of a pressure-driven inlet's model, come from src/lbm/outlets.rs
// (generated above).

// One workgroup per opening: the exact lattice flux out of the vessel across the
// opening cells' links of the populations just written.
@compute @workgroup_size(REDUCTION_WORKGROUP_SIZE)
fn sum_opening_fluxes(
    @builtin(local_invocation_index) local: u32,
    @builtin(workgroup_id) wid: vec3<u32>,
) {
    load_lattice_layout();
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
        outlet_flux[k].x = -flux_sum[0];
    }
}

// One thread: every opening's model advanced by one step (after sum_opening_fluxes,
// whose results it needs from all openings at once).
@compute @workgroup_size(1)
fn update_outlets() {
    load_lattice_layout();
    let openings = arrayLength(&opening_ranges);
    var inflow = 0.0;
    var slow_inflow = 0.0;
    var slow_outflow = 0.0;
    var outlets = 0.0;
    for (var k = 0u; k < openings; k++) {
        var f = outlet_flux[k];
        f.y += OUTLET_FILTER_RATE * (f.x - f.y);
        outlet_flux[k] = f;
        let raw_kind = u32(outlet_models[2u * k].x);
        if (raw_kind == INLET_KIND || raw_kind >= DRIVEN_INLET) {
            inflow -= f.x;
            slow_inflow -= f.y;
        } else {
            slow_outflow += f.y;
            outlets += 1.0;
        }
    }
    for (var k = 0u; k < openings; k++) {
        let f = outlet_flux[k];
        let outflow = f.x;
        let model = outlet_models[2u * k];
        let pressures = outlet_models[2u * k + 1u];
        var state = outlet_state[k];
        // A pressure-driven inlet: its model, on its (negative) outflow.
        let kind = select(u32(model.x), u32(model.x) - DRIVEN_INLET, u32(model.x) >= DRIVEN_INLET);
        let beta = pressures.z;
        let impedance = pressures.w;
        var modelled = state.w;
        let scheduled = (kind == 1u || kind == 2u) && pressures.y > 0.5;
        var distal = pressures.x;
        if (scheduled) {
            let source_slot = u32(pressures.y) - 1u;
            distal = step_state.outlet_pressure[source_slot / 4u][source_slot % 4u];
        }
        if (kind == 1u && scheduled) {
            // Only the flux term relaxes: the source follows its schedule at once
            // (state.y keeps the last step's source; relaxing the sum would lag it).
            let part = modelled - state.y;
            modelled = distal + part + beta * (model.y * outflow - part);
            state.y = distal;
        } else if (kind == 1u) {
            modelled += beta * (distal + model.y * outflow - modelled);
        } else if (kind == 2u) {
            state.y += (outflow - (state.y - distal) / model.w) / model.z;
            modelled += beta * (state.y + model.y * outflow - modelled);
        } else if (kind == 3u) {
            let slot = u32(model.y);
            modelled = step_state.outlet_pressure[slot / 4u][slot % 4u];
        } else {
            modelled = pressures.y;
        }
        // This outlet's share of the slow outflow (an even share before any flows).
        let share = select(1.0 / max(outlets, 1.0), f.y / slow_outflow, abs(slow_outflow) > 1e-12);
        let reference = f.y + share * (inflow - slow_inflow);
        state.x = modelled + impedance * (outflow - reference);
        state.z = outflow;
        state.w = modelled;
        outlet_state[k] = state;
    }
}
