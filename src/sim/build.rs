//! Turns voxels and a validated scenario into a [`LatticeSetup`]: flag words, boundary
//! records in lattice units, relaxation rates and the initial state.

use crate::geometry::{CellKind, Role, Voxels};
use crate::lbm::lattice::flags;
use crate::lbm::{BoundaryRecord, CollisionModel, LatticeSetup, Relaxation};
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
        Profile::Parabolic => o.parabolic_shape.clone(),
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
    setup.rheology = loaded.rheology;
    setup.smagorinsky = s.lbm.smagorinsky.map(|c| c as f32);
    setup.outlet_models = loaded.outlet_models.clone();
    setup
}
