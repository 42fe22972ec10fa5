//! The FDA benchmark nozzle (sudden expansion, throat Re 500) run on the GPU and
//! compared with the spread of the five laboratories' PIV data (fda_nozzle.rs reads
//! them). The geometry and flow are those of scenes/fda_nozzle.toml at its own 0.1 mm
//! resolution (GPU-sized: on a CPU adapter the case says so and does not run).

use super::fda_nozzle::{lab_spread, PivDataset, CENTRELINE_VELOCITY, WALL_PRESSURE};
use crate::gpu::{GpuContext, GpuError};
use crate::scenario::LoadedScenario;
use crate::sim::build::lattice_setup;
use crate::sim::lattice_gpu::SCHEDULE_CAPACITY;
use crate::sim::run::step_schedule;
use crate::sim::GpuLattice;
use std::path::Path;

/// The scene the case runs (geometry, fluid, flow rate, inflow profile).
pub const SCENE: &str = include_str!("../../scenes/fda_nozzle.toml");

/// Mean velocity in the 4 mm throat [m/s]: Q / (π r²) with the data's flow rate
/// 5.20624e-6 m³/s (data/fda-nozzle/README.md).
pub const THROAT_MEAN_VELOCITY: f64 = 5.20624e-6 / (std::f64::consts::PI * 2.0e-3 * 2.0e-3);
/// Density of the blood analog [kg/m³].
pub const DENSITY: f64 = 1056.0;
/// Axial position [m] up to which the comparison counts: eight throat diameters
/// past the expansion. Further down the laboratories' jets break down (their
/// centreline velocity falls from 0.63 to 0.42–0.51 m/s between 0.04 and 0.08 m,
/// Hariharan et al. 2011), which a laminar computation at Re 500 does not follow;
/// those sections are plotted, not checked.
pub const LAMINAR_END_Z: f64 = 0.0325;
/// Where pressures are referenced (the laboratories report p = 0 there).
pub const PRESSURE_REFERENCE_Z: f64 = 0.032;
/// Profile sections the laboratories measured inside the simulated domain [m].
pub const PROFILE_Z: [f64; 9] = [
    -0.064, -0.048, -0.02, -0.008, 0.0, 0.008, 0.016, 0.024, 0.032,
];

/// The resolution a run uses.
#[derive(Clone, Copy, Debug)]
pub struct Resolution {
    pub voxel_m: f64,
    /// Inflow peak in lattice units (the throat's centreline is ~8 times faster).
    pub lattice_velocity: f64,
    /// End of the outlet tube [m] (the expansion is at z = 0).
    pub outlet_z_m: f64,
    pub duration_s: f64,
    /// `[lbm] collision` ("trt", "regularized").
    pub collision: &'static str,
}

/// 0.1 mm (40 cells across the throat, throat Mach 0.15 by continuity, τ 0.510): the
/// scene as shipped, 16e6 lumen cells and 96,000 steps per second of flow — for a GPU.
pub const GPU_RESOLUTION: Resolution = Resolution {
    voxel_m: 1.0e-4,
    lattice_velocity: 0.0096,
    outlet_z_m: 0.12,
    duration_s: 0.6,
    collision: "trt",
};

/// 0.2 mm (20 cells across the throat, outlet tube cut at 80 mm): 1.5e6 lumen cells,
/// the throat at Mach 0.15 by continuity, which puts τ at 0.505: the regularized
/// operator's range. With TRT at τ 0.510 the throat reached Mach 0.27 and the run
/// diverged at 0.122 s (llvmpipe, 42 min).
pub const COARSE_RESOLUTION: Resolution = Resolution {
    voxel_m: 2.0e-4,
    lattice_velocity: 0.0096,
    outlet_z_m: 0.08,
    duration_s: 0.3,
    collision: "regularized",
};

/// Why the case does not run on a CPU adapter (software Vulkan).
pub const NEEDS_A_GPU: &str = "needs a GPU: the 0.1 mm grid is 16e6 lumen cells and \
55,000 steps for 0.6 s of flow (1e12 cell updates: about two days at the ~5 million \
lumen-cell updates per second of llvmpipe on 2 cores), and a coarser 0.2 mm grid \
(τ 0.510, throat Mach 0.27) diverged at Re 500 on llvmpipe. Run it with a GPU adapter \
(`embolus info`, `--adapter`)";

fn scenario_error(e: impl std::fmt::Display) -> GpuError {
    GpuError::Wgpu(format!("FDA nozzle scenario: {e}"))
}

/// The scene at resolution `res`, stored sparse, without field output.
pub fn scenario(res: &Resolution) -> Result<LoadedScenario, GpuError> {
    let mut doc: toml::Table = SCENE.parse().map_err(scenario_error)?;
    let table = |doc: &mut toml::Table, key: &str| -> Result<toml::Table, GpuError> {
        doc.get(key)
            .and_then(|v| v.as_table())
            .cloned()
            .ok_or_else(|| scenario_error(format!("no [{key}]")))
    };
    let mut grid = table(&mut doc, "grid")?;
    grid.insert("voxel_size".into(), res.voxel_m.into());
    doc.insert("grid".into(), grid.into());
    let mut time = table(&mut doc, "time")?;
    time.insert("lattice_velocity".into(), res.lattice_velocity.into());
    time.insert("duration".into(), res.duration_s.into());
    doc.insert("time".into(), time.into());
    let mut geometry = table(&mut doc, "geometry")?;
    let outlet_end = geometry
        .get_mut("parts")
        .and_then(|p| p.as_array_mut())
        .and_then(|parts| parts.last_mut())
        .and_then(|part| part.get_mut("end"))
        .and_then(|end| end.as_array_mut())
        .ok_or_else(|| scenario_error("no outlet tube (last geometry part)"))?;
    outlet_end[2] = res.outlet_z_m.into();
    doc.insert("geometry".into(), geometry.into());
    doc.remove("fields");
    let mut lbm = toml::Table::new();
    lbm.insert("storage".into(), "sparse".into());
    lbm.insert("collision".into(), res.collision.into());
    doc.insert("lbm".into(), lbm.into());
    LoadedScenario::from_str(Path::new("fda_nozzle.toml"), &doc.to_string()).map_err(scenario_error)
}

/// The flow of a finished run, per grid plane along z.
#[derive(Clone, Debug)]
pub struct NozzleFlow {
    pub resolution: Resolution,
    pub tau: f64,
    pub steps: u64,
    pub lumen_cells: usize,
    /// Cell-centre z of each plane [m].
    pub plane_z: Vec<f64>,
    /// Axial velocity on the axis [m/s] per plane.
    pub centreline: Vec<f64>,
    /// Mean pressure of the lumen cells next to the wall [Pa] per plane.
    pub wall_pressure: Vec<f64>,
    /// Axial velocity along the diameter y = 0 [(x m, u m/s)] per plane.
    pub diameter: Vec<Vec<(f64, f64)>>,
    /// Largest change of the centreline velocity over the last fifth of the run
    /// [m/s]: how steady the flow is.
    pub unsteadiness: f64,
}

impl NozzleFlow {
    /// A per-plane quantity linearly interpolated at z (`None` outside the planes).
    pub fn at(&self, values: &[f64], z: f64) -> Option<f64> {
        let k = self.plane_z.iter().position(|&p| p >= z)?;
        if k == 0 {
            return ((self.plane_z[0] - z).abs() < 1e-12).then(|| values[0]);
        }
        let (z0, z1) = (self.plane_z[k - 1], self.plane_z[k]);
        let w = (z - z0) / (z1 - z0);
        Some(values[k - 1] * (1.0 - w) + values[k] * w)
    }

    /// Axial velocity at (x, 0, z), interpolated between the two nearest planes and
    /// the two nearest cells on the diameter; 0 outside the lumen.
    pub fn profile_at(&self, z: f64, x: f64) -> Option<f64> {
        let k = self.plane_z.iter().position(|&p| p >= z)?.max(1);
        let (z0, z1) = (self.plane_z[k - 1], self.plane_z[k]);
        let w = ((z - z0) / (z1 - z0)).clamp(0.0, 1.0);
        let on_line = |line: &[(f64, f64)]| -> f64 {
            match line.iter().position(|p| p.0 >= x) {
                Some(j) if j > 0 => {
                    let (a, b) = (line[j - 1], line[j]);
                    a.1 + (b.1 - a.1) * (x - a.0) / (b.0 - a.0)
                }
                _ => 0.0,
            }
        };
        Some(on_line(&self.diameter[k - 1]) * (1.0 - w) + on_line(&self.diameter[k]) * w)
    }
}

/// Per-plane centreline velocity, wall pressure and diameter line from populations.
/// Per plane: centreline velocity, wall pressure, the diameter's (x, u) line.
type PlaneSamples = (Vec<f64>, Vec<f64>, Vec<Vec<(f64, f64)>>);

fn sample(loaded: &LoadedScenario, pops: &[f32]) -> PlaneSamples {
    let voxels = &loaded.voxels;
    let d = voxels.dims;
    let dx = voxels.voxel_size_m;
    let cells = d.cells();
    let setup_flags: Vec<bool> = voxels
        .kinds
        .iter()
        .map(|k| *k == crate::geometry::voxels::CellKind::Fluid)
        .collect();
    let macro_at = |i: usize| {
        crate::lbm::equilibrium::density_velocity(
            &crate::lbm::equilibrium::gather(pops, cells, i),
            [0.0; 3],
        )
    };
    let (mut centre, mut wall, mut lines) = (vec![], vec![], vec![]);
    for z in 0..d.nz {
        let plane: Vec<(usize, f64, f64)> = (0..d.nx * d.ny)
            .map(|j| j + z * d.nx * d.ny)
            .filter(|&i| setup_flags[i])
            .map(|i| {
                let p = voxels.cell_centre_m(i);
                (i, p[0], p[1])
            })
            .collect();
        let r = |x: f64, y: f64| (x * x + y * y).sqrt();
        let (mut axis_sum, mut axis_n) = (0.0, 0);
        let r_max = plane.iter().map(|c| r(c.1, c.2)).fold(0.0, f64::max);
        let (mut wall_sum, mut wall_n) = (0.0, 0);
        let mut line: Vec<(f64, f64)> = vec![];
        for &(i, x, y) in &plane {
            let (rho, u) = macro_at(i);
            let uz = loaded.units.velocity_to_si(u[2] as f64);
            if r(x, y) < 0.75 * dx {
                axis_sum += uz;
                axis_n += 1;
            }
            if r(x, y) > r_max - 1.5 * dx {
                wall_sum += loaded.units.pressure_to_si(rho as f64 - 1.0);
                wall_n += 1;
            }
            if y.abs() < 0.75 * dx {
                line.push((x, uz));
            }
        }
        // Average the rows on both sides of y = 0 (the axis lies between cells).
        line.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut merged: Vec<(f64, f64)> = vec![];
        for (x, u) in line {
            match merged.last_mut() {
                Some(last) if (last.0 - x).abs() < 0.25 * dx => last.1 = 0.5 * (last.1 + u),
                _ => merged.push((x, u)),
            }
        }
        centre.push(if axis_n > 0 {
            axis_sum / axis_n as f64
        } else {
            0.0
        });
        wall.push(if wall_n > 0 {
            wall_sum / wall_n as f64
        } else {
            0.0
        });
        lines.push(merged);
    }
    (centre, wall, lines)
}

/// Runs the nozzle at `res` (inflow ramped over the scene's 0.05 s) and samples the
/// flow at 80% and at the end of the run; `progress` hears the fraction done.
pub fn run(
    ctx: &GpuContext,
    res: &Resolution,
    progress: &mut dyn FnMut(f64),
) -> Result<NozzleFlow, GpuError> {
    let loaded = scenario(res)?;
    let setup = lattice_setup(&loaded.voxels, &loaded);
    let mut lattice = GpuLattice::new(ctx, &setup)?;
    let total = loaded.steps;
    let checkpoint = total * 4 / 5;
    let mut done = 0u64;
    let mut early = None;
    while done < total {
        let stop = if done < checkpoint { checkpoint } else { total };
        // Short batches: progress every 500 steps (the schedule holds up to 4096).
        let n = (stop - done).min(500.min(SCHEDULE_CAPACITY as u64));
        lattice.set_schedule(ctx, &step_schedule(&loaded, setup.force, done, n));
        lattice.step(ctx, n as u32);
        ctx.finish()?;
        done += n;
        progress(done as f64 / total as f64);
        // Stop early when the flow diverges (the outlets' fluxes turn non-finite)
        // rather than after the whole run.
        if lattice
            .outlet_state(ctx)?
            .iter()
            .flatten()
            .any(|v| !v.is_finite())
        {
            return Err(GpuError::Wgpu(format!(
                "FDA nozzle: the flow diverged by step {done} of {total} ({:.4} s of flow)",
                done as f64 * loaded.units.dt_s
            )));
        }
        if done == checkpoint {
            early = Some(sample(&loaded, &lattice.read_populations(ctx)?).0);
        }
    }
    let (centreline, wall_pressure, diameter) = sample(&loaded, &lattice.read_populations(ctx)?);
    if centreline.iter().any(|u| !u.is_finite()) {
        return Err(GpuError::Wgpu(
            "FDA nozzle: the flow diverged (non-finite velocities)".into(),
        ));
    }
    let unsteadiness = early.map_or(f64::NAN, |e| {
        e.iter()
            .zip(&centreline)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max)
    });
    let d = loaded.voxels.dims;
    let plane_z = (0..d.nz)
        .map(|z| loaded.voxels.origin_m[2] + (z as f64 + 0.5) * res.voxel_m)
        .collect();
    Ok(NozzleFlow {
        resolution: *res,
        tau: loaded.units.tau,
        steps: total,
        lumen_cells: loaded.voxels.lumen_cells(),
        plane_z,
        centreline,
        wall_pressure,
        diameter,
        unsteadiness,
    })
}

/// How far `value` lies outside the range [lo, hi] (0 inside).
pub fn outside(value: f64, (lo, hi): (f64, f64)) -> f64 {
    if value < lo {
        lo - value
    } else if value > hi {
        value - hi
    } else {
        0.0
    }
}

/// One comparison of a simulated quantity with the laboratories' spread.
#[derive(Clone, Debug)]
pub struct Comparison {
    pub z_m: f64,
    /// Radial position for profiles [m], 0 on the centreline.
    pub x_m: f64,
    pub simulated: f64,
    pub spread: (f64, f64),
}

impl Comparison {
    pub fn outside(&self) -> f64 {
        outside(self.simulated, self.spread)
    }
}

/// Centreline velocities at the laboratories' positions up to `z_max` (at least two
/// laboratories measured there).
pub fn compare_centreline(flow: &NozzleFlow, labs: &[PivDataset], z_max: f64) -> Vec<Comparison> {
    let mut zs: Vec<f64> = labs
        .iter()
        .filter_map(|l| l.block(CENTRELINE_VELOCITY, None))
        .flat_map(|b| b.points.iter().map(|p| p.0))
        .filter(|&z| z <= z_max)
        .collect();
    zs.sort_by(f64::total_cmp);
    zs.dedup_by(|a, b| (*a - *b).abs() < 1e-4);
    zs.into_iter()
        .filter_map(|z| {
            let simulated = flow.at(&flow.centreline, z)?;
            let count = labs
                .iter()
                .filter_map(|l| l.block(CENTRELINE_VELOCITY, None))
                .filter(|b| b.points.iter().any(|p| (p.0 - z).abs() < 1e-4))
                .count();
            (count >= 2).then_some(())?;
            let spread = lab_spread(labs, CENTRELINE_VELOCITY, None, z, 1e-4)?;
            Some(Comparison {
                z_m: z,
                x_m: 0.0,
                simulated,
                spread,
            })
        })
        .collect()
}

/// Wall pressure relative to z = 0.032 m at the laboratories' taps from `z_min` to
/// the reference.
pub fn compare_wall_pressure(
    flow: &NozzleFlow,
    labs: &[PivDataset],
    z_min: f64,
) -> Vec<Comparison> {
    let Some(reference) = flow.at(&flow.wall_pressure, PRESSURE_REFERENCE_Z) else {
        return vec![];
    };
    let relative: Vec<PivDataset> = labs
        .iter()
        .filter_map(|l| {
            let b = l.block(WALL_PRESSURE, None)?;
            let p0 = b
                .points
                .iter()
                .find(|p| (p.0 - PRESSURE_REFERENCE_Z).abs() < 1e-4)?
                .1;
            let mut block = b.clone();
            block.points.iter_mut().for_each(|p| p.1 -= p0);
            Some(PivDataset {
                lab: l.lab.clone(),
                blocks: vec![block],
            })
        })
        .collect();
    let Some(taps) = relative.first().map(|l| l.blocks[0].points.clone()) else {
        return vec![];
    };
    taps.iter()
        .filter(|p| p.0 >= z_min && p.0 < PRESSURE_REFERENCE_Z - 1e-4)
        .filter_map(|p| {
            Some(Comparison {
                z_m: p.0,
                x_m: 0.0,
                simulated: flow.at(&flow.wall_pressure, p.0)? - reference,
                spread: lab_spread(&relative, WALL_PRESSURE, None, p.0, 1e-4)?,
            })
        })
        .collect()
}

/// Block name of the axial velocity profiles.
pub const AXIAL_PROFILE: &str = "plot-profile-axial-velocity-at-z";

/// Lumen radius of the nozzle at z [m] (scenes/fda_nozzle.toml): 6 mm tubes, the
/// cone from 6 mm at z = −62.685 mm to the 2 mm throat at −40 mm, the throat to 0.
pub fn nozzle_radius(z: f64) -> f64 {
    const CONE_START: f64 = -0.062685;
    const THROAT_START: f64 = -0.04;
    if !(CONE_START..0.0).contains(&z) {
        6.0e-3
    } else if z < THROAT_START {
        6.0e-3 - 4.0e-3 * (z - CONE_START) / (THROAT_START - CONE_START)
    } else {
        2.0e-3
    }
}

/// A laboratory's profile at z linearly interpolated at x (`None` outside its data).
fn lab_profile_at(lab: &PivDataset, z: f64, x: f64) -> Option<f64> {
    let mut points = lab.block(AXIAL_PROFILE, Some(z))?.points.clone();
    points.sort_by(|a, b| a.0.total_cmp(&b.0));
    let j = points.iter().position(|p| p.0 >= x)?;
    if j == 0 {
        return ((points[0].0 - x).abs() < 1e-9).then(|| points[0].1);
    }
    let (a, b) = (points[j - 1], points[j]);
    Some(a.1 + (b.1 - a.1) * (x - a.0) / (b.0 - a.0))
}

/// Axial velocity profiles at [`PROFILE_Z`], at 19 points across the lumen (x =
/// k R/10, k = −9..9) where at least two laboratories' profiles reach.
pub fn compare_profiles(flow: &NozzleFlow, labs: &[PivDataset]) -> Vec<Comparison> {
    let mut out = vec![];
    for &z in PROFILE_Z.iter().filter(|&&z| covers(flow, z)) {
        let radius = nozzle_radius(z);
        for k in -9..=9 {
            let x = radius * k as f64 / 10.0;
            let values: Vec<f64> = labs
                .iter()
                .filter_map(|l| lab_profile_at(l, z, x))
                .collect();
            if values.len() < 2 {
                continue;
            }
            let spread = (
                values.iter().copied().fold(f64::INFINITY, f64::min),
                values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            );
            if let Some(simulated) = flow.profile_at(z, x) {
                out.push(Comparison {
                    z_m: z,
                    x_m: x,
                    simulated,
                    spread,
                });
            }
        }
    }
    out
}

/// Whether the run's lumen holds a plane at z (the domain starts 10 mm before the
/// cone; laboratories measured further upstream too).
pub fn covers(flow: &NozzleFlow, z: f64) -> bool {
    flow.plane_z.first().is_some_and(|&a| a <= z) && flow.plane_z.last().is_some_and(|&b| b >= z)
}
