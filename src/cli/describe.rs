//! What a scenario will do, printed before `check` ends and before a run starts.

use embolus::lbm::acoustics::{AcousticNumber, ACOUSTIC_NUMBER_LIMIT};
use embolus::scenario::LoadedScenario;
use embolus::sim::lattice_gpu::storage::memory_estimate;

/// Prints the scenario: lattice units, grid and memory, openings, rheology, time,
/// particles and notes.
pub fn describe(loaded: &LoadedScenario) {
    let voxels = &loaded.voxels;
    println!("scenario  {} ({})", loaded.name(), loaded.path.display());
    println!("lattice units:\n{}", loaded.units.table());
    let d = voxels.dims;
    let lumen = voxels.lumen_cells();
    let (memory_bytes, sparse) = memory_estimate(loaded);
    println!(
        "grid      {} x {} x {} = {} cells, {} fluid ({:.1}% lumen), ~{:.0} MiB on the GPU ({} storage, {})",
        d.nx,
        d.ny,
        d.nz,
        d.cells(),
        voxels.fluid_cells(),
        100.0 * lumen as f64 / d.cells() as f64,
        memory_bytes as f64 / 1048576.0,
        if sparse { "sparse" } else { "dense" },
        loaded.scenario.lbm.precision.name()
    );
    for o in &voxels.openings {
        println!(
            "opening   {:<8} {:?}  centre ({:.4e}, {:.4e}, {:.4e}) m  radius {:.4e} m  area {:.4e} m^2",
            o.name, o.role, o.centre_m[0], o.centre_m[1], o.centre_m[2], o.radius_m, o.area_m2
        );
    }
    describe_pressure_inlet(loaded);
    describe_walls(loaded);
    if let Some(r) = &loaded.rheology {
        let (low, high) = r.model.viscosity_range();
        println!(
            "rheology  {:?}\n          viscosity {low:.3e}..{high:.3e} Pa·s, local tau {:.4}..{:.4} (the table above is for the lowest viscosity)",
            r.model,
            0.5 + 3.0 * low * r.lattice_viscosity_per_si,
            r.tau_max.min(0.5 + 3.0 * high * r.lattice_viscosity_per_si)
        );
    }
    println!(
        "time      {} steps = {:.4e} s, metrics every {} steps",
        loaded.steps,
        loaded.steps as f64 * loaded.units.dt_s,
        loaded.output_every
    );
    if let Some(t) = &loaded.throat {
        println!(
            "throat    radius {:.4e} m (1/{:.2} of the inlet's area{}): peak ~{:.4} m/s = {:.4} lattice, Mach {:.4}, Re {:.1} (continuity)",
            t.radius_m,
            t.area_ratio,
            if t.from_voxels { ", measured on the voxels" } else { "" },
            t.peak_velocity_m_s,
            t.peak_velocity_lattice,
            t.mach,
            t.reynolds
        );
    }
    describe_acoustics(loaded);
    if let Some(run) = &loaded.particles {
        let plan = &run.plan;
        let mean_d = plan.diameters_m.iter().sum::<f64>() / plan.len().max(1) as f64;
        println!(
            "particles {} of {} ({}), mean diameter {:.3e} m, first release at step {}",
            plan.len(),
            plan.agent_names.join(", "),
            if plan.magnets > 0 {
                format!("{} magnet(s)", plan.magnets)
            } else {
                "no magnets".into()
            },
            mean_d,
            plan.first_release_step
        );
    }
    if let Some(c) = &loaded.catheter {
        describe_catheter(loaded, c);
    }
    if let Some(d) = &loaded.dosimetry {
        describe_dosimetry(d);
    }
    if loaded.units.tau < 0.55 {
        println!(
            "note      tau < 0.55: close to 1/2; refine the grid if results look noisy{}",
            if loaded.scenario.lbm.collision == embolus::scenario::CollisionName::Regularized {
                ""
            } else {
                ", or use [lbm] collision = \"regularized\", the most robust there"
            }
        );
    }
}

/// The catheter: its body, its tip, its injection flow and where it leaves the tip.
fn describe_catheter(loaded: &LoadedScenario, c: &embolus::scenario::case::catheter::CatheterPlan) {
    let tip = c.shape.tip_m;
    let end = if c.end_s.is_finite() {
        format!("{:.4} s", c.end_s)
    } else {
        "the end".into()
    };
    println!(
        "catheter  {} tip at ({:.4e}, {:.4e}, {:.4e}) m, outer radius {:.3e} m: {} body cells; injection {:.3e} m^3/s ({:.2} mL/min) from {:.4} s to {end} through {} face cells at {:.4} m/s ({:.4} lattice)",
        match c.tip_kind {
            embolus::particles::spec::TipKind::EndHole => "end-hole",
            embolus::particles::spec::TipKind::Antireflux => "antireflux",
        },
        tip[0],
        tip[1],
        tip[2],
        c.shape.outer_radius_m,
        c.cells.body.len(),
        c.flow_rate_m3_s,
        c.flow_rate_m3_s * 6.0e7,
        c.start_s,
        c.cells.face.len(),
        c.face_speed_lattice * loaded.units.dx_m / loaded.units.dt_s,
        c.face_speed_lattice,
    );
}

/// Prints the acoustic number of a pulsatile inflow and, when it is large, the time
/// step that brings it down (src/lbm/acoustics.rs).
fn describe_acoustics(loaded: &LoadedScenario) {
    let d = loaded.voxels.dims;
    let longest = d.nx.max(d.ny).max(d.nz);
    let Some(a) = AcousticNumber::of(&loaded.waveform, &loaded.units, longest) else {
        return;
    };
    println!(
        "acoustics a = ωL/c_s = {:.3} (inflow harmonic {}: ω {:.3e} rad/s; L {:.4e} m; lattice sound speed {:.3e} m/s)",
        a.number, a.harmonic, a.omega_rad_s, a.length_m, a.sound_speed_m_s
    );
    let factor = a.time_step_reduction();
    if factor > 1.0 {
        let u = loaded.scenario.time.lattice_velocity / factor;
        let tau = 0.5 + (loaded.units.tau - 0.5) / factor;
        println!(
            "note      acoustic number {:.2} > {ACOUSTIC_NUMBER_LIMIT}: the lattice fluid is noticeably compressible at the \
             inflow's harmonic {} (outlet pressures and the inflow-to-outflow lag err by about a² = {:.1}%); \
             [time] lattice_velocity = {u:.4} would bring it to {ACOUSTIC_NUMBER_LIMIT} (tau {tau:.4}{})",
            a.number,
            a.harmonic,
            100.0 * a.number * a.number,
            if tau < loaded.scenario.lbm.collision.tau_floor() {
                ", below this operator's floor: refine the grid as well"
            } else {
                ""
            }
        );
    }
}

/// Bytes above which the expected field output gets a warning before the run.
const LARGE_OUTPUT_BYTES: u64 = 2 << 30;

/// Prints what the run will write: field outputs, their region and size.
pub fn describe_outputs(loaded: &LoadedScenario) {
    let f = &loaded.fields;
    if !f.enabled {
        println!("fields    off");
        return;
    }
    let outputs = f.outputs(loaded.steps);
    let bytes = f.bytes_per_output() * outputs;
    let size = f.region.size();
    println!(
        "fields    {} output(s) of {} on {}x{}x{} points (stride {}), at most {:.1} MiB{}",
        outputs,
        f.select
            .iter()
            .map(|n| {
                serde_json::to_value(n)
                    .ok()
                    .and_then(|v| v.as_str().map(String::from))
                    .unwrap_or_default()
            })
            .collect::<Vec<_>>()
            .join(", "),
        size[0],
        size[1],
        size[2],
        f.region.stride,
        bytes as f64 / 1048576.0,
        if f.compress {
            " before compression"
        } else {
            ""
        }
    );
    if bytes > LARGE_OUTPUT_BYTES {
        println!(
            "warning   the field output may reach {:.1} GiB: set [fields] interval, stride, region_min/region_max or select to write less",
            bytes as f64 / (1u64 << 30) as f64
        );
    }
}

/// A pressure-driven inlet: its source, the flow bound that set dt, and the density
/// deviation its pressure makes standing in a closed vessel.
fn describe_pressure_inlet(loaded: &LoadedScenario) {
    let Some(inlet) = loaded
        .scenario
        .inlet
        .as_ref()
        .filter(|i| i.pressure_driven())
    else {
        return;
    };
    let source = inlet.pressure.unwrap_or(0.0);
    println!(
        "inflow    pressure-driven: {} Pa through {:.3e} Pa s/m^3{} (at most {:.3e} m^3/s, which sets dt); at stasis the lattice density deviation is {:.4} (limit 0.1)",
        source,
        inlet.resistance.unwrap_or(0.0),
        inlet
            .compliance
            .map(|c| format!(" and {c:.3e} m^3/Pa"))
            .unwrap_or_default(),
        loaded.flow_rate_m3_s,
        loaded
            .units
            .pressure_to_delta_density(source - loaded.scenario.outlet.pressure)
    );
}

/// Where the no-slip walls sit: halfway between cells or on the true surface.
fn describe_walls(loaded: &LoadedScenario) {
    use embolus::scenario::schema::WallTreatment;
    let links = &loaded.wall_links;
    match loaded.scenario.lbm.walls {
        WallTreatment::Halfway => println!(
            "walls     halfway bounce-back: a staircase on curved walls ([lbm] walls = \"interpolated\" puts them on the true surface)"
        ),
        WallTreatment::Interpolated if links.is_empty() => println!(
            "walls     halfway bounce-back: this geometry's walls lie halfway between cells already"
        ),
        WallTreatment::Interpolated => {
            println!(
                "walls     interpolated on the true surface (Bouzidi): {} links cut in {} cells, {:.1} KiB on the GPU",
                links.iter().map(|c| c.links.len()).sum::<usize>(),
                links.len(),
                embolus::lbm::wall_links::table_bytes(links) as f64 / 1024.0
            );
        }
    }
}

/// The dosimetry plan: activity, each territory's masses, the dose map's grid.
fn describe_dosimetry(d: &embolus::dosimetry::DosimetryPlan) {
    println!(
        "dosimetry {} GBq at calibration, {:.4} GBq to the liver at treatment; {} Bq per sphere",
        d.activity_gbq,
        d.liver_activity_gbq(),
        d.activity_per_sphere_bq
    );
    for t in &d.territories {
        println!(
            "territory {:<8} {:.4} kg{}",
            t.outlet,
            t.mass_kg,
            if t.tumour_mass_kg > 0.0 {
                format!(
                    " with a {:.4} kg tumour at {} x the normal uptake",
                    t.tumour_mass_kg, t.tumour_to_normal
                )
            } else {
                String::new()
            }
        );
    }
    let m = &d.dose_map;
    println!(
        "dose map  {} x {} x {} voxels of {:.3} mm at {} kg/m^3{}",
        m.grid.dims[0],
        m.grid.dims[1],
        m.grid.dims[2],
        m.grid.voxel_m * 1e3,
        m.density_kg_m3,
        m.label_map
            .as_ref()
            .map(|l| format!(", territories from {l}"))
            .unwrap_or_else(|| " over the vessel's box".into())
    );
}
