//! Turns voxels and a validated scenario into a [`LatticeSetup`]: flag words, boundary
//! records in lattice units, relaxation rates and the initial state.

use crate::geometry::{CellKind, Role, Voxels};
use crate::lbm::lattice::flags;
use crate::lbm::setup::Valve;
use crate::lbm::{BoundaryRecord, CollisionModel, LatticeSetup, Relaxation};
use crate::particles::spec::TipKind;
use crate::scenario::case::catheter::CatheterPlan;
use crate::scenario::{CollisionName, LoadedScenario, Profile};

/// Flag words and boundary records for `voxels`. `inlet_velocity(k, j)` is the speed of
/// the j-th cell of opening k along the opening's inward normal (lattice units);
/// `outlet_delta_density` is imposed at every outlet.
pub fn flags_and_records(
    voxels: &Voxels,
    inlet_velocity: impl Fn(usize, usize) -> f32,
    outlet_delta_density: f32,
) -> (Vec<u32>, Vec<BoundaryRecord>) {
    let mut cell_flags: Vec<u32> = voxels
        .kinds
        .iter()
        .map(|k| match k {
            CellKind::Wall => flags::WALL,
            _ => flags::FLUID,
        })
        .collect();
    let mut records = Vec::new();
    for (k, opening) in voxels.openings.iter().enumerate() {
        let kind = match opening.role {
            Role::Inlet => flags::INLET,
            Role::Outlet => flags::OUTLET,
        };
        for (j, (&cell, &dir)) in opening.cells.iter().zip(&opening.inward_dirs).enumerate() {
            let record = match opening.role {
                Role::Inlet => {
                    let speed = inlet_velocity(k, j);
                    BoundaryRecord {
                        velocity: opening.normal.map(|c| (c * speed as f64) as f32),
                        delta_density: 0.0,
                    }
                }
                Role::Outlet => BoundaryRecord {
                    velocity: [0.0; 3],
                    delta_density: outlet_delta_density,
                },
            };
            cell_flags[cell] = flags::boundary(kind, dir, k, records.len());
            records.push(record);
        }
    }
    (cell_flags, records)
}

/// Inlet speed per cell (lattice units) carrying `flow_rate_lattice` through opening
/// `k`: the profile's discrete flux is normalised so the voxelized opening carries
/// exactly the requested flow, whatever its staircase shape.
pub fn inlet_speeds(
    voxels: &Voxels,
    k: usize,
    profile: Profile,
    flow_rate_lattice: f64,
) -> Vec<f32> {
    let o = &voxels.openings[k];
    let weights: Vec<f64> = match profile {
        Profile::Plug => vec![1.0; o.cells.len()],
        Profile::Parabolic | Profile::Womersley => o.parabolic_shape.clone(),
        Profile::WallDistance => crate::geometry::opening_profile::rim_distance_shape(voxels, k),
    };
    let total: f64 = weights.iter().sum();
    weights
        .iter()
        .map(|w| (w * flow_rate_lattice / total) as f32)
        .collect()
}

/// The complete setup of a scenario, at rest with the outlet pressure everywhere.
pub fn lattice_setup(voxels: &Voxels, loaded: &LoadedScenario) -> LatticeSetup {
    let s = &loaded.scenario;
    let units = &loaded.units;
    let profile = s.inlet.as_ref().map(|i| i.profile).unwrap_or_default();
    let q_lattice = units.flow_rate_to_lattice(loaded.flow_rate_m3_s);
    let speeds: Vec<Vec<f32>> = (0..voxels.openings.len())
        .map(|k| inlet_speeds(voxels, k, profile, q_lattice))
        .collect();
    let outlet_delta_density = units.pressure_to_delta_density(s.outlet.pressure) as f32;
    let (cell_flags, records) =
        flags_and_records(voxels, |k, j| speeds[k][j], outlet_delta_density);
    let model = match s.lbm.collision {
        CollisionName::Bgk => CollisionModel::Bgk,
        CollisionName::Trt => CollisionModel::Trt { magic: s.lbm.magic },
        CollisionName::Regularized => CollisionModel::Regularized,
    };
    let force = s
        .lbm
        .body_force
        .map(|f| units.force_density_to_lattice(f) as f32);
    let mut setup = LatticeSetup::at_equilibrium(
        voxels.dims,
        cell_flags,
        records,
        voxels.openings.len(),
        Relaxation::new(units.tau, model),
        force,
        |_| (outlet_delta_density, [0.0; 3]),
    );
    if profile == Profile::Womersley {
        let (harmonics, dynamics) = womersley_inlets(voxels, loaded, q_lattice);
        setup.inlet_harmonics = harmonics;
        setup.inlet_dynamics = dynamics;
    }
    setup.rheology = loaded.rheology;
    setup.smagorinsky = s.lbm.smagorinsky.map(|c| c as f32);
    setup.precision = s.lbm.precision;
    setup.sparse = s
        .lbm
        .stores_sparse(voxels.lumen_cells(), voxels.dims.cells());
    setup.in_place = s.lbm.in_place;
    setup.outlet_models = loaded.outlet_models.clone();
    if s.inlet.as_ref().is_some_and(|i| i.pressure_driven()) {
        drive_inlets_by_pressure(&mut setup, voxels, outlet_delta_density);
        setup.source_slot = loaded.source_slot;
        setup.source_ramped = loaded.source_slot.is_some() && loaded.ramp_steps > 0;
    }
    if let Some(catheter) = &loaded.catheter {
        add_catheter(&mut setup, catheter);
    }
    crate::lbm::wall_links::attach(&mut setup, &loaded.wall_links);
    if s.outlet.non_reflecting {
        let d = voxels.dims;
        setup.outlet_filter_steps = Some(crate::lbm::outlets::wave_filter_steps(
            d.nx.max(d.ny).max(d.nz),
        ));
    }
    setup
}

/// Drag of an antireflux tip's seal on backflow [1/step]: as much as a cell closed
/// by lodged agents gets (`particles::kernel_params::MAX_DRAG`), under which
/// backflow shrinks by 1/(1 + σ/2) per step; taken implicitly, so stable.
const VALVE_DRAG: f32 = crate::particles::kernel_params::MAX_DRAG;

/// The catheter's tip face becomes a wall moving along the axis at the speed that
/// carries the injection flow (velocity bounce-back: Ladd's term puts the mass in),
/// and an antireflux tip's collar a one-way seal.
fn add_catheter(setup: &mut LatticeSetup, catheter: &CatheterPlan) {
    let record = setup.records.len().max(1);
    if setup.records.is_empty() {
        setup.records.push(BoundaryRecord::default());
    }
    let speed = catheter.face_speed_lattice;
    setup.records.push(BoundaryRecord {
        velocity: catheter.shape.direction.map(|c| (c * speed) as f32),
        delta_density: 0.0,
    });
    for &cell in &catheter.cells.face {
        setup.flags[cell] = flags::moving_wall(record);
    }
    if catheter.tip_kind == TipKind::Antireflux {
        setup.valve = Some(Valve {
            direction: catheter.shape.direction.map(|c| c as f32),
            cells: catheter.cells.collar.clone(),
            drag: VALVE_DRAG,
        });
    }
}

/// Turns the inlets' cells into pressure cells (what outlets are: the density
/// imposed, the velocity extrapolated), starting at the outlet pressure; the outlet
/// kernel then sets their pressure from their inflow through the inlet's model.
fn drive_inlets_by_pressure(setup: &mut LatticeSetup, voxels: &Voxels, start_delta_density: f32) {
    for (k, opening) in voxels.openings.iter().enumerate() {
        if opening.role != Role::Inlet {
            continue;
        }
        for &cell in &opening.cells {
            let flag = setup.flags[cell];
            let record = flags::record(flag);
            setup.flags[cell] = flags::boundary(flags::OUTLET, flags::inward_dir(flag), k, record);
            setup.records[record] = BoundaryRecord {
                velocity: [0.0; 3],
                delta_density: start_delta_density,
            };
        }
        setup.pressure_inlets.push(k);
    }
}

/// Most inflow harmonics a Womersley inlet carries.
pub const MAX_INLET_HARMONICS: usize = 8;

/// Per boundary record (in `flags_and_records` order): the inward normal, then for each
/// harmonic n of the waveform the complex velocity coefficient
/// c_n = U (a_n − i b_n) φ_n(r/R), φ_n Womersley's profile for α_n = R √(nω/ν)
/// normalised to mean 1 over the opening's cells, U the mean inflow speed.
fn womersley_inlets(
    voxels: &Voxels,
    loaded: &LoadedScenario,
    flow_rate_lattice: f64,
) -> (usize, Vec<[f32; 4]>) {
    use crate::lbm::womersley::{profile, Complex};
    let Some(period) = loaded.waveform.period_s() else {
        return (0, vec![]);
    };
    let coefficients = loaded.waveform.harmonics(MAX_INLET_HARMONICS);
    let count = coefficients.len();
    let stride = 1 + count.div_ceil(2);
    let omega = 2.0 * std::f64::consts::PI / period;
    let nu = loaded.units.viscosity_m2_s;
    let mut out = Vec::new();
    for o in &voxels.openings {
        let n_cells = o.cells.len();
        let mut rows = vec![[0.0f32; 4]; n_cells * stride];
        for j in 0..n_cells {
            let n = o.normal.map(|c| c as f32);
            rows[j * stride] = [n[0], n[1], n[2], 0.0];
        }
        if o.role == Role::Inlet {
            let mean_speed = flow_rate_lattice / n_cells as f64;
            for (h, &(a, b)) in coefficients.iter().enumerate() {
                let alpha = o.radius_m * ((h + 1) as f64 * omega / nu).sqrt();
                let phi: Vec<Complex> = o
                    .parabolic_shape
                    .iter()
                    .map(|&shape| {
                        if shape > 0.0 {
                            profile(alpha, (1.0 - shape).max(0.0).sqrt())
                        } else {
                            Complex::new(0.0, 0.0)
                        }
                    })
                    .collect();
                let mean = phi
                    .iter()
                    .fold(Complex::new(0.0, 0.0), |s, p| s + *p)
                    .scale(1.0 / n_cells as f64);
                let amplitude = Complex::new(a, -b).scale(mean_speed);
                for (j, p) in phi.iter().enumerate() {
                    let c = amplitude * (*p / mean);
                    let slot = &mut rows[j * stride + 1 + h / 2];
                    slot[2 * (h % 2)] = c.re as f32;
                    slot[2 * (h % 2) + 1] = c.im as f32;
                }
            }
        }
        out.extend(rows);
    }
    (count, out)
}
