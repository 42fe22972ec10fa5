//! The validation cases of `embolus validate`: what each runs in the quick and the
//! full suite, its checks with their tolerances, and its plots.

use super::{cavity, curved_walls, fda_nozzle, flows, nozzle, outlets, particles, wall_shear};
use crate::gpu::{GpuContext, GpuError};
use crate::lbm::setup::Precision;
use crate::lbm::CollisionModel;
use crate::render::plot::{Chart, Series, PALETTE};

/// One measured quantity against its tolerance: passes when |measured| < limit.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Check {
    pub label: String,
    pub measured: f64,
    pub limit: f64,
    /// How to show measured and limit: "%" (fractions shown as percent), "deg", "".
    pub unit: &'static str,
}

impl Check {
    pub fn new(label: impl Into<String>, measured: f64, limit: f64, unit: &'static str) -> Self {
        Check {
            label: label.into(),
            measured,
            limit,
            unit,
        }
    }

    pub fn passed(&self) -> bool {
        self.measured.abs() < self.limit
    }

    /// The value as the report shows it.
    pub fn show(&self, value: f64) -> String {
        match self.unit {
            "%" => format!("{:+.3}%", 100.0 * value),
            "deg" => format!("{value:+.2}°"),
            _ => format!("{value:.4}"),
        }
    }
}

/// What a case produced: its checks and charts (file stem, chart).
#[derive(Default)]
pub struct CaseOutput {
    pub checks: Vec<Check>,
    pub charts: Vec<(String, Chart)>,
    /// What the report says about how the case ran (resolution chosen and why).
    pub note: Option<String>,
    /// Why the case did not run (it then has no checks and does not fail).
    pub skipped: Option<String>,
}

/// A validation case.
pub struct Case {
    pub name: &'static str,
    pub title: &'static str,
    /// The reference solution or data it is compared with.
    pub reference: &'static str,
    /// Runs the case; `quick` selects the reduced set that fits CI.
    pub run: fn(&GpuContext, bool) -> Result<CaseOutput, GpuError>,
}

/// Every case, in report order.
pub fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "shear-wave",
            title: "Shear-wave decay (4 × 32 × 4 periodic box)",
            reference: "u_x ∝ exp(−ν k² t), ν = (τ − ½)/3",
            run: shear_wave,
        },
        Case {
            name: "plane-poiseuille",
            title: "Plane Poiseuille, body force, H = 16",
            reference: "u(y) = F/(2ρν) (y − ½)(H + ½ − y) (exact for TRT Λ = 3/16)",
            run: plane_poiseuille,
        },
        Case {
            name: "pipe-poiseuille",
            title: "Cylinder Poiseuille from a scenario (parabolic inlet, pressure outlet)",
            reference: "Hagen–Poiseuille for the measured pressure gradient",
            run: pipe_poiseuille,
        },
        Case {
            name: "womersley",
            title: "Womersley flow, periodic pipe R = 10 cells, τ 0.8",
            reference: "Womersley (1955): û(r), Q̂ with Bessel functions (docs/references.md)",
            run: womersley,
        },
        Case {
            name: "wall-shear",
            title: "Wall shear stress in a force-driven periodic cylinder, τ 0.8",
            reference: "τ_w = 4μQ/(πR³) for the measured Q (interpolated walls: τ_w = G R/2); |du/dr| = G r/(2μ)",
            run: wall_shear_case,
        },
        Case {
            name: "curved-walls",
            title: "Interpolated against halfway walls, periodic pipe along and across the grid, τ 1",
            reference: "u(r) = F (R² − r²)/(4ρν) for the true radius R at every fluid node",
            run: curved_walls_case,
        },
        Case {
            name: "particle-drag",
            title: "One sphere settling in quiescent blood (periodic box)",
            reference: "Stokes (ρp − ρ) g d²/(18μ); C_D(Re 10) = 4.151 (Schiller–Naumann)",
            run: particle_drag,
        },
        Case {
            name: "outlets",
            title: "Resistance and 3-element Windkessel outlets",
            reference:
                "Q1/Q2 = R2/R1; δρ = (R_p + R_d) Q, p_c = R_d Q; p_c(t) = R_d Q (1 − e^(−t/R_d C))",
            run: outlet_models,
        },
        Case {
            name: "fda-nozzle",
            title: "FDA benchmark nozzle, sudden expansion, throat Re 500",
            reference: "PIV of five laboratories (Hariharan et al., J. Biomech. Eng. 133 (2011) 041002), their spread",
            run: fda_nozzle_case,
        },
        Case {
            name: "cavity",
            title: "Lid-driven cavity, vertical centreline",
            reference: "Ghia, Ghia & Shin, J. Comput. Phys. 48 (1982) 387, table I",
            run: lid_driven_cavity,
        },
    ]
}

fn shear_wave(ctx: &GpuContext, quick: bool) -> Result<CaseOutput, GpuError> {
    let mut runs = vec![
        (0.6, CollisionModel::default()),
        (0.8, CollisionModel::default()),
    ];
    if !quick {
        runs.extend([(1.2, CollisionModel::default()), (0.8, CollisionModel::Bgk)]);
    }
    let mut checks = Vec::new();
    for (tau, model) in runs {
        let error = flows::shear_wave_viscosity_error(ctx, tau, model)?;
        checks.push(Check::new(
            format!("ν/ν₀ − 1, {} τ {tau}", model.name()),
            error,
            0.01,
            "%",
        ));
    }
    Ok(CaseOutput {
        checks,
        charts: vec![],
        ..Default::default()
    })
}

fn plane_poiseuille(ctx: &GpuContext, quick: bool) -> Result<CaseOutput, GpuError> {
    let taus: &[f64] = if quick {
        &[0.8, 1.0]
    } else {
        &[0.6, 0.8, 1.0, 1.5]
    };
    let mut checks = Vec::new();
    for &tau in taus {
        let l2 = flows::plane_poiseuille_error(ctx, tau, Precision::F32)?;
        checks.push(Check::new(
            format!("L2 relative error, τ {tau}"),
            l2,
            0.005,
            "%",
        ));
    }
    Ok(CaseOutput {
        checks,
        charts: vec![],
        ..Default::default()
    })
}

fn pipe_poiseuille(ctx: &GpuContext, quick: bool) -> Result<CaseOutput, GpuError> {
    // Quick: one doubling of resolution at a quarter of the cost of R 8 to 16 (a run
    // costs ~R⁵: cells ∝ R³ for a pipe 6R long, steps to steady state ∝ R²).
    let radii: &[usize] = if quick { &[6, 12] } else { &[8, 12, 16] };
    let mut results = Vec::new();
    let mut checks = Vec::new();
    for &n in radii {
        let r = flows::pipe_poiseuille(ctx, n, Precision::F32)?;
        checks.push(Check::new(
            format!("centreline velocity error, R = {n} cells"),
            r.centreline_error,
            0.03,
            "%",
        ));
        checks.push(Check::new(
            format!("flow-rate error, R = {n} cells"),
            r.flow_error,
            0.03,
            "%",
        ));
        results.push(r);
    }
    // The staircase wall makes the error non-monotone between neighbouring radii
    // (R 12 is worse than R 8): the convergence check spans a doubling, R 8 to 16
    // (quick: 6 to 12).
    let (first, last) = (&results[0], &results[results.len() - 1]);
    checks.push(Check::new(
        format!(
            "flow-rate error R = {} over R = {} (must fall; observed order {:.2})",
            last.radius_cells,
            first.radius_cells,
            flows::observed_order(&results)
        ),
        last.flow_error.abs() / first.flow_error.abs(),
        1.0,
        "",
    ));
    let chart = Chart {
        markers: false,
        title: "Cylinder Poiseuille: error against resolution".into(),
        x_label: "radius [cells]".into(),
        y_label: "relative error [%]".into(),
        series: vec![
            Series {
                label: "flow rate".into(),
                points: results
                    .iter()
                    .map(|r| (r.radius_cells as f64, 100.0 * r.flow_error))
                    .collect(),
                colour: PALETTE[0],
                dashed: false,
            },
            Series {
                label: "centreline velocity".into(),
                points: results
                    .iter()
                    .map(|r| (r.radius_cells as f64, 100.0 * r.centreline_error))
                    .collect(),
                colour: PALETTE[1],
                dashed: false,
            },
        ],
    };
    Ok(CaseOutput {
        checks,
        charts: vec![("pipe_poiseuille_convergence".into(), chart)],
        ..Default::default()
    })
}

fn womersley(ctx: &GpuContext, quick: bool) -> Result<CaseOutput, GpuError> {
    let alphas: &[f64] = if quick { &[3.0] } else { &[3.0, 5.0] };
    let mut checks = Vec::new();
    for &alpha in alphas {
        let r = flows::womersley(ctx, alpha, Precision::F32)?;
        checks.push(Check::new(
            format!("centreline amplitude, α {alpha}"),
            r.centre_amplitude,
            0.03,
            "%",
        ));
        checks.push(Check::new(
            format!("centreline phase, α {alpha}"),
            r.centre_phase_deg,
            5.0,
            "deg",
        ));
        checks.push(Check::new(
            format!("flow-rate amplitude, α {alpha}"),
            r.flow_amplitude,
            0.03,
            "%",
        ));
        checks.push(Check::new(
            format!("flow-rate phase, α {alpha}"),
            r.flow_phase_deg,
            5.0,
            "deg",
        ));
    }
    Ok(CaseOutput {
        checks,
        charts: vec![],
        ..Default::default()
    })
}

fn wall_shear_case(ctx: &GpuContext, quick: bool) -> Result<CaseOutput, GpuError> {
    let radii: &[f64] = if quick { &[10.0] } else { &[10.0, 14.0] };
    let mut checks = Vec::new();
    for &r in radii {
        let p = wall_shear::wall_shear_pipe(ctx, r)?;
        checks.push(Check::new(
            format!("mean WSS / 4μQ/(πR³) − 1, R {:.2} cells", p.radius),
            p.mean_wss / p.analytic_wss - 1.0,
            0.05,
            "%",
        ));
        checks.push(Check::new(
            format!(
                "shear rate, largest error 0.2–0.8 R, R {:.2} cells",
                p.radius
            ),
            p.shear_rate_error,
            0.05,
            "%",
        ));
        checks.push(Check::new(
            format!(
                "wall cells whose WSS does not point along the flow, R {:.2}",
                p.radius
            ),
            if p.along_flow { 0.0 } else { 1.0 },
            0.5,
            "",
        ));
    }
    // Interpolated walls: the stress extrapolated to the true wall along its fitted
    // normal, against the force balance.
    let p = wall_shear::wall_shear_pipe_with(ctx, 10.0, true, None)?;
    checks.push(Check::new(
        "interpolated walls: mean WSS / (G R / 2) − 1, R 10 cells",
        p.mean_wss / p.analytic_wss - 1.0,
        0.015,
        "%",
    ));
    checks.push(Check::new(
        "interpolated walls: largest |WSS / mean − 1| over the wall cells, R 10",
        p.scatter,
        0.05,
        "%",
    ));
    Ok(CaseOutput {
        checks,
        charts: vec![],
        ..Default::default()
    })
}

/// Interpolated walls (src/lbm/wall_links.rs) against the staircase: L2 error of the
/// velocity over R = 8, 12, 16 cells along the grid (and, in the full suite, tilted
/// 26.6° in a grid plane and 35.3° out of every grid plane).
fn curved_walls_case(ctx: &GpuContext, quick: bool) -> Result<CaseOutput, GpuError> {
    let axes: &[([i32; 3], &str)] = if quick {
        &[([0, 0, 1], "along the grid")]
    } else {
        &[
            ([0, 0, 1], "along the grid"),
            ([1, 0, 2], "tilted 26.6°"),
            ([1, 1, 2], "tilted 35.3°"),
        ]
    };
    let mut checks = Vec::new();
    let mut series = Vec::new();
    for (k, &(axis, label)) in axes.iter().enumerate() {
        for interpolated in [true, false] {
            let results: Vec<curved_walls::CurvedPipeResult> = [8, 12, 16]
                .iter()
                .map(|&r| curved_walls::periodic_pipe(ctx, r, axis, interpolated))
                .collect::<Result<_, _>>()?;
            let walls = if interpolated {
                "interpolated"
            } else {
                "halfway"
            };
            if interpolated {
                checks.push(Check::new(
                    format!("L2 velocity error, R = 8 cells, {label}"),
                    results[0].l2_error,
                    0.008,
                    "%",
                ));
                checks.push(Check::new(
                    format!("L2 velocity error, R = 16 cells, {label}"),
                    results[2].l2_error,
                    0.0015,
                    "%",
                ));
                let order = curved_walls::observed_order(&results);
                checks.push(Check::new(
                    format!("1.7 / observed order of the L2 error over R 8–16 (order {order:.2}), {label}"),
                    1.7 / order.max(1e-9),
                    1.0,
                    "",
                ));
            }
            series.push(Series {
                label: format!("{walls}, {label}"),
                points: results
                    .iter()
                    .map(|r| (r.radius_cells as f64, 100.0 * r.l2_error))
                    .collect(),
                colour: PALETTE[k % PALETTE.len()],
                dashed: !interpolated,
            });
        }
    }
    let chart = Chart {
        markers: true,
        title: "Periodic pipe: L2 velocity error against resolution".into(),
        x_label: "radius [cells]".into(),
        y_label: "L2 error [%]".into(),
        series,
    };
    Ok(CaseOutput {
        checks,
        charts: vec![("curved-walls".into(), chart)],
        ..Default::default()
    })
}

fn outlet_models(ctx: &GpuContext, quick: bool) -> Result<CaseOutput, GpuError> {
    let ratio = outlets::resistance_split(ctx)?;
    let (total, capacitor) = outlets::windkessel_steady(ctx)?;
    let mut checks = vec![
        Check::new(
            format!("flow split Q1/Q2 {ratio:.4} against R2/R1 = 2"),
            ratio / 2.0 - 1.0,
            0.02,
            "%",
        ),
        Check::new("Windkessel outlet δρ / (R_p + R_d) Q − 1", total, 0.01, "%"),
        Check::new("Windkessel capacitor p_c / R_d Q − 1", capacitor, 0.01, "%"),
    ];
    if !quick {
        let (tau, expected, _) = outlets::windkessel_charging(ctx)?;
        checks.push(Check::new(
            format!("charging time constant {tau:.0} steps / R_d C {expected:.0} − 1"),
            tau / expected - 1.0,
            0.05,
            "%",
        ));
    }
    Ok(CaseOutput {
        checks,
        charts: vec![],
        ..Default::default()
    })
}

fn particle_drag(ctx: &GpuContext, _quick: bool) -> Result<CaseOutput, GpuError> {
    let (v, stokes) = particles::stokes_settling(ctx)?;
    let (w, w_ref) = particles::schiller_naumann_re10(ctx)?;
    Ok(CaseOutput {
        checks: vec![
            Check::new(
                format!(
                    "25 µm glass sphere: {:.1} µm/s against Stokes {:.1} µm/s",
                    v * 1e6,
                    stokes * 1e6
                ),
                v / stokes - 1.0,
                0.02,
                "%",
            ),
            Check::new(
                format!("1 mm sphere at Re_p 10: {w:.4} m/s against {w_ref:.4} m/s"),
                w / w_ref - 1.0,
                0.03,
                "%",
            ),
        ],
        charts: vec![],
        ..Default::default()
    })
}

fn lid_driven_cavity(ctx: &GpuContext, quick: bool) -> Result<CaseOutput, GpuError> {
    // (Re, cells per side, tolerance on max |u − u_Ghia|/U)
    let runs: &[(f64, usize, f64)] = if quick {
        &[(100.0, 32, 0.02)]
    } else {
        &[(100.0, 64, 0.02), (400.0, 64, 0.03), (1000.0, 128, 0.04)]
    };
    let mut checks = Vec::new();
    let mut charts = Vec::new();
    for &(re, n, limit) in runs {
        let r = cavity::run(ctx, re, n, 400_000)?;
        checks.push(Check::new(
            format!(
                "max |u − u_Ghia|/U, Re {re}, {n}² cells, τ {:.3}, {} steps (RMS {:.4})",
                r.tau, r.steps, r.rms_error
            ),
            r.max_error,
            limit,
            "%",
        ));
        let column = cavity::GHIA_RE.iter().position(|&x| x == re).unwrap_or(0);
        charts.push((
            format!("cavity_re{re:.0}"),
            Chart {
                markers: false,
                title: format!("Lid-driven cavity, Re {re:.0}: u/U on the vertical centreline"),
                x_label: "y/L".into(),
                y_label: "u/U".into(),
                series: vec![
                    Series {
                        label: format!("embolus, {n}² cells"),
                        points: r.profile.clone(),
                        colour: PALETTE[0],
                        dashed: false,
                    },
                    Series {
                        label: "Ghia et al. 1982".into(),
                        points: cavity::GHIA_U
                            .iter()
                            .rev()
                            .map(|(y, u)| (*y, u[column]))
                            .collect(),
                        colour: PALETTE[3],
                        dashed: true,
                    },
                ],
            },
        ));
    }
    Ok(CaseOutput {
        checks,
        charts,
        ..Default::default()
    })
}

/// Where the laboratories' PIV files are: `EMBOLUS_FDA_DATA`, or data/fda-nozzle
/// in the source tree.
pub fn fda_data_dir() -> std::path::PathBuf {
    std::env::var_os("EMBOLUS_FDA_DATA").map_or_else(
        || std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/fda-nozzle"),
        std::path::PathBuf::from,
    )
}

/// Tolerances of the nozzle comparison, as fractions of the throat's mean velocity
/// U_t (velocities) and of its dynamic pressure ½ρU_t² (pressures): how far outside
/// the laboratories' spread a value may lie (PIV resolves about 0.2 mm, 5% of the
/// throat; the pressure taps differ by up to 0.25 ½ρU_t² between laboratories).
const NOZZLE_VELOCITY_MARGIN: f64 = 0.05;
const NOZZLE_PRESSURE_MARGIN: f64 = 0.25;
/// Share of profile points allowed outside the spread by more than the margin.
const NOZZLE_PROFILE_SHARE: f64 = 0.10;

fn fda_nozzle_case(ctx: &GpuContext, quick: bool) -> Result<CaseOutput, GpuError> {
    if quick {
        return Ok(CaseOutput {
            skipped: Some(
                "not in the quick set: GPU-sized (16e6 lumen cells, 55,000 steps)".into(),
            ),
            ..Default::default()
        });
    }
    if ctx.adapter_info.device_type == wgpu::DeviceType::Cpu {
        return Ok(CaseOutput {
            skipped: Some(nozzle::NEEDS_A_GPU.into()),
            ..Default::default()
        });
    }
    let dir = fda_data_dir();
    let labs = fda_nozzle::load_all(&dir).map_err(|e| {
        GpuError::Wgpu(format!(
            "FDA nozzle data: {e}\n  Fix: set EMBOLUS_FDA_DATA to the folder with the five \
             PIV_Sudden_Expansion_500_*.txt files"
        ))
    })?;
    let res = nozzle::GPU_RESOLUTION;
    let started = std::time::Instant::now();
    let flow = nozzle::run(ctx, &res, &mut |done| {
        eprint!(
            "\r  fda-nozzle {:3.0}% ({:.0} s)",
            100.0 * done,
            started.elapsed().as_secs_f64()
        );
    })?;
    eprintln!();
    nozzle_output(&flow, &labs)
}

/// The checks, note and plots of a finished nozzle run against the laboratories.
pub fn nozzle_output(
    flow: &nozzle::NozzleFlow,
    labs: &[fda_nozzle::PivDataset],
) -> Result<CaseOutput, GpuError> {
    let res = flow.resolution;
    let u_t = nozzle::THROAT_MEAN_VELOCITY;
    let q_t = 0.5 * nozzle::DENSITY * u_t * u_t;
    let centreline = nozzle::compare_centreline(flow, labs, nozzle::LAMINAR_END_Z);
    let pressure = nozzle::compare_wall_pressure(flow, labs, -0.063);
    let profiles = nozzle::compare_profiles(flow, labs);
    let worst = |c: &[nozzle::Comparison]| c.iter().map(|c| c.outside()).fold(0.0, f64::max);
    let missed = profiles
        .iter()
        .filter(|c| c.outside() > NOZZLE_VELOCITY_MARGIN * u_t)
        .count();
    if centreline.is_empty() || pressure.is_empty() || profiles.is_empty() {
        return Err(GpuError::Wgpu(
            "FDA nozzle: no laboratory positions inside the simulated domain".into(),
        ));
    }
    let checks = vec![
        Check::new(
            format!(
                "centreline u outside the lab spread / U_t, max of {} positions z ≤ 32 mm",
                centreline.len()
            ),
            worst(&centreline) / u_t,
            NOZZLE_VELOCITY_MARGIN,
            "%",
        ),
        Check::new(
            format!(
                "wall pressure (re z = 32 mm) outside the spread / ½ρU_t², max of {} taps",
                pressure.len()
            ),
            worst(&pressure) / q_t,
            NOZZLE_PRESSURE_MARGIN,
            "%",
        ),
        Check::new(
            format!(
                "profile points outside the spread by > 5% U_t, share of {} ({} sections)",
                profiles.len(),
                nozzle::PROFILE_Z
                    .iter()
                    .filter(|&&z| nozzle::covers(flow, z))
                    .count()
            ),
            missed as f64 / profiles.len() as f64,
            NOZZLE_PROFILE_SHARE,
            "%",
        ),
    ];
    let note = format!(
        "{:.2} mm voxels ({:.0} cells across the throat), {} lumen cells, τ {:.4}, throat \
         Mach {:.2}, {} steps ({:.2} s of flow), outlet tube to z = {:.0} mm; centreline \
         change over the last fifth of the run {:.4} m/s.",
        res.voxel_m * 1e3,
        4.0e-3 / res.voxel_m,
        flow.lumen_cells,
        flow.tau,
        8.1 * res.lattice_velocity / crate::lbm::lattice::CS2.sqrt(),
        flow.steps,
        res.duration_s,
        res.outlet_z_m * 1e3,
        flow.unsteadiness,
    );
    Ok(CaseOutput {
        checks,
        charts: nozzle_charts(flow, labs),
        note: Some(note),
        skipped: None,
    })
}

/// Centreline velocity, wall pressure and three profiles: the run against each lab.
fn nozzle_charts(
    flow: &nozzle::NozzleFlow,
    labs: &[fda_nozzle::PivDataset],
) -> Vec<(String, Chart)> {
    let lab_series =
        |name: &str, z: Option<f64>, offset: &dyn Fn(&fda_nozzle::PivDataset) -> f64| {
            labs.iter()
                .enumerate()
                .filter_map(|(k, l)| {
                    let b = l.block(name, z)?;
                    let shift = offset(l);
                    let mut points: Vec<(f64, f64)> =
                        b.points.iter().map(|p| (p.0, p.1 - shift)).collect();
                    points.sort_by(|a, b| a.0.total_cmp(&b.0));
                    Some(Series {
                        label: format!("lab {}", l.lab),
                        points,
                        colour: PALETTE[1 + k % (PALETTE.len() - 1)],
                        dashed: true,
                    })
                })
                .collect::<Vec<_>>()
        };
    let none = |_: &fda_nozzle::PivDataset| 0.0;
    let run = |label: &str, points: Vec<(f64, f64)>| Series {
        label: label.into(),
        points,
        colour: PALETTE[0],
        dashed: false,
    };
    let along = |values: &[f64]| -> Vec<(f64, f64)> {
        flow.plane_z
            .iter()
            .copied()
            .zip(values.iter().copied())
            .collect()
    };
    let mut charts = vec![];
    let mut series = vec![run("embolus", along(&flow.centreline))];
    series.extend(lab_series(fda_nozzle::CENTRELINE_VELOCITY, None, &none));
    charts.push((
        "fda_nozzle_centreline".to_string(),
        Chart {
            markers: false,
            title: "FDA nozzle, Re 500: centreline axial velocity".into(),
            x_label: "z [m] (expansion at 0)".into(),
            y_label: "u_z [m/s]".into(),
            series,
        },
    ));
    let reference = flow
        .at(&flow.wall_pressure, nozzle::PRESSURE_REFERENCE_Z)
        .unwrap_or(0.0);
    let wall: Vec<(f64, f64)> = along(&flow.wall_pressure)
        .into_iter()
        .map(|(z, p)| (z, p - reference))
        .collect();
    let mut series = vec![run("embolus", wall)];
    series.extend(lab_series(fda_nozzle::WALL_PRESSURE, None, &|l| {
        l.block(fda_nozzle::WALL_PRESSURE, None)
            .and_then(|b| {
                b.points
                    .iter()
                    .find(|p| (p.0 - nozzle::PRESSURE_REFERENCE_Z).abs() < 1e-4)
            })
            .map_or(0.0, |p| p.1)
    }));
    charts.push((
        "fda_nozzle_wall_pressure".to_string(),
        Chart {
            markers: false,
            title: "FDA nozzle, Re 500: wall pressure relative to z = 32 mm".into(),
            x_label: "z [m]".into(),
            y_label: "p [Pa]".into(),
            series,
        },
    ));
    for z in [-0.02, 0.008, 0.032] {
        if !nozzle::covers(flow, z) {
            continue;
        }
        let radius = nozzle::nozzle_radius(z);
        let points = (-60..=60)
            .filter_map(|k| {
                let x = radius * k as f64 / 60.0;
                flow.profile_at(z, x).map(|u| (x, u))
            })
            .collect();
        let mut series = vec![run("embolus", points)];
        series.extend(lab_series(nozzle::AXIAL_PROFILE, Some(z), &none));
        charts.push((
            format!("fda_nozzle_profile_z{:.0}mm", z * 1e3),
            Chart {
                markers: false,
                title: format!(
                    "FDA nozzle, Re 500: axial velocity across z = {:.0} mm",
                    z * 1e3
                ),
                x_label: "x [m]".into(),
                y_label: "u_z [m/s]".into(),
                series,
            },
        ));
    }
    charts
}
