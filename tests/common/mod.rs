//! Helpers shared by the GPU tests. A missing adapter fails the test with the
//! installation hint: no test skips itself.
#![allow(dead_code)]

use embolus::cpu::stream_collide::{step, StepInputs};
use embolus::gpu::GpuContext;
use embolus::lbm::LatticeSetup;

pub fn gpu() -> GpuContext {
    GpuContext::new(None).unwrap_or_else(|e| panic!("{e}"))
}

/// Runs `steps` steps of the CPU reference from the setup's initial populations.
pub fn cpu_run(setup: &LatticeSetup, steps: usize) -> Vec<f32> {
    let mut a = setup.populations.clone();
    let mut b = a.clone();
    let inputs = StepInputs {
        dims: setup.dims,
        flags: &setup.flags,
        records: &setup.records,
        relaxation: setup.relaxation,
        rheology: setup.rheology,
        smagorinsky: setup.smagorinsky,
        force: setup.force,
        inlet_scale: 1.0,
        wall_links: &setup.wall_links,
    };
    for _ in 0..steps {
        step(&inputs, &a, &mut b);
        std::mem::swap(&mut a, &mut b);
    }
    a
}

/// Runs `steps` steps on the GPU and reads the populations back.
pub fn gpu_run(ctx: &GpuContext, setup: &LatticeSetup, steps: u32) -> Vec<f32> {
    embolus::validation::support::gpu_run(ctx, setup, steps).unwrap_or_else(|e| panic!("{e}"))
}

#[allow(unused_imports)]
pub use embolus::validation::support::{circular_pipe, macroscopic, plane_channel_flags};

/// A small deterministic pseudo-random sequence in [-1, 1) (no test randomness).
pub struct Lcg(pub u64);
impl Lcg {
    pub fn next(&mut self) -> f32 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
    }
}

/// A NIfTI-1 header for a uint8 volume of `n` voxels with isotropic spacing `mm`
/// (no sform/qform), 352 bytes; append the voxel bytes (x fastest).
pub fn nifti_u8_header(n: [usize; 3], mm: f32) -> Vec<u8> {
    let mut h = vec![0u8; 352];
    h[0..4].copy_from_slice(&348i32.to_le_bytes());
    for (k, d) in [3i16, n[0] as i16, n[1] as i16, n[2] as i16, 1, 1, 1, 1]
        .iter()
        .enumerate()
    {
        h[40 + 2 * k..42 + 2 * k].copy_from_slice(&d.to_le_bytes());
    }
    h[70..72].copy_from_slice(&2i16.to_le_bytes());
    for (k, p) in [1.0f32, mm, mm, mm].iter().enumerate() {
        h[76 + 4 * k..80 + 4 * k].copy_from_slice(&p.to_le_bytes());
    }
    h[108..112].copy_from_slice(&352f32.to_le_bytes());
    h[123] = 2; // mm
    h[344..348].copy_from_slice(b"n+1\0");
    h
}

/// Pulsatile inflow, a Windkessel outlet whose bed captures beads, beads that lodge
/// and occlude, WSS sampled for TAWSS/OSI, fields every 60 steps: every kind of
/// state a checkpoint must carry, and every reader an optimized layout must serve
/// (checkpoint and sparse/in-place tests).
pub const EVERY_STATE_SCENARIO: &str = r#"
[grid]
voxel_size = 5.0e-5
[time]
steps = 300
output_interval = 2.5e-3
lattice_velocity = 0.05
[geometry]
shape = "cylinder"
radius = 3.0e-4
length = 1.5e-3
[inlet]
mean_velocity = 0.05
ramp_time = 2.0e-3
[inlet.waveform]
kind = "sine"
period = 0.01
amplitude = 0.5
[outlets.outlet]
proximal_resistance = 1.0e9
compliance = 1.0e-12
distal_resistance = 4.0e9
capture_diameter = 1.0e-4
[particles]
gravity = [0.0, 0.0, 0.0]
[[injections]]
agent = "beads_500_700"
start = 0.0
duration = 4.0e-3
count = 40
opening = "inlet"
[fields]
interval = 3.0e-3
wss_sample_interval = 1.0e-4
average_from = 0.0
"#;

/// A scenario's lattice coupled to its particles, built as a run builds them, to be
/// stepped by hand.
pub struct Coupled {
    pub ctx: GpuContext,
    pub setup: LatticeSetup,
    pub lattice: embolus::sim::GpuLattice,
    pub particles: embolus::sim::GpuParticles,
}

impl Coupled {
    /// Steps the flow and the particles.
    pub fn step(&mut self, steps: u32) {
        self.lattice
            .step_with(&self.ctx, steps, Some(&self.particles));
    }
}

pub fn coupled(loaded: &embolus::scenario::LoadedScenario) -> Coupled {
    let ctx = gpu();
    let setup = embolus::sim::build::lattice_setup(&loaded.voxels, loaded);
    let coupling = embolus::sim::Coupling::new(&ctx, setup.dims.cells());
    let lattice = embolus::sim::GpuLattice::coupled(&ctx, &setup, &coupling)
        .unwrap_or_else(|e| panic!("{e}"));
    let run = loaded
        .particles
        .as_ref()
        .expect("the scenario injects particles");
    let geometry = embolus::particles::fields::scenario_cell_geometry(loaded);
    let particles = embolus::sim::GpuParticles::new(
        &ctx,
        &lattice,
        &coupling,
        &run.plan,
        &run.settings,
        &geometry,
        0,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    Coupled {
        ctx,
        setup,
        lattice,
        particles,
    }
}

/// A metrics.csv: its header and its rows of numbers.
pub fn read_metrics(path: &std::path::Path) -> (Vec<String>, Vec<Vec<f64>>) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let header = text
        .lines()
        .next()
        .unwrap_or_default()
        .split(',')
        .map(String::from)
        .collect();
    let rows = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(|v| v.parse().unwrap()).collect())
        .collect();
    (header, rows)
}

/// The index of column `name` in a metrics header.
pub fn column(header: &[String], name: &str) -> usize {
    header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name:?} in {header:?}"))
}

/// `embolus run SCENE --out OUT`, as a user starts it.
pub fn run_cli(scene: &std::path::Path, out: &std::path::Path) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_embolus"))
        .arg("run")
        .arg(scene)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap()
}
