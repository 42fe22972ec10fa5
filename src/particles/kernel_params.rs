//! What the particle kernels read besides the particle arrays: their settings in the
//! GPU's layout (`ParticleParams` of shaders/particles/advance.wgsl,
//! `OcclusionParams` of occlusion.wgsl) and the constants they share with the host
//! and the CPU twins (src/cpu/advance.rs, src/cpu/occlusion.rs), which reach WGSL
//! through the generated prelude (src/kernels/particles.rs).

use super::plan::{KernelSettings, ParticlePlan};

/// Fixed-point scale of the per-cell solid-volume counters (2^20 per cell volume).
pub const SOLID_SCALE: f32 = 1_048_576.0;
/// Largest porous drag σ (per step) the flow receives: beyond it a cell is closed for
/// all practical purposes (u shrinks by 1/(1 + σ/2)).
pub const MAX_DRAG: f32 = 1000.0;
/// Chance per step that a particle at a constriction narrower than bridging_ratio
/// diameters, with packed material ahead or enough partners to close an arch,
/// lodges there.
pub const BRIDGING_CHANCE: f32 = 0.1;
/// Particles arriving together bridge only at a neck, not along a straight narrow
/// vessel (arches form where the flow converges): the wall must converge ahead (the
/// contact normal's component against the flow above CONVERGING_SLOPE, sin 2°) and
/// the lumen ahead be at least NECK_NARROWING cells narrower than max(2 d,
/// NECK_BASELINE) cells behind (the contact normal alone tilts near openings and
/// let a crowd bridge a straight tube at its inlet).
pub const CONVERGING_SLOPE: f32 = 0.035;
pub const NECK_BASELINE: f32 = 4.0;
pub const NECK_NARROWING: f32 = 0.5;
/// The porous drag of a filling cell grows by at most this factor per occlusion
/// update, from DRAG_START (shaders/particles/occlusion.wgsl says why).
pub const DRAG_GROWTH: f32 = 1.2;
pub const DRAG_START: f32 = 0.01;

/// The layout of `ParticleParams` in shaders/particles/advance.wgsl.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct ParticleParams {
    pub count: u32,
    pub agents: u32,
    pub magnets: u32,
    pub seed: u32,
    /// Lattice kinematic viscosity.
    pub nu: f32,
    pub dx_m: f32,
    /// dt²/dx: SI acceleration → lattice.
    pub accel_to_lattice: f32,
    pub bridging_ratio: f32,
    /// Corner of cell (0,0,0) [m], w unused.
    pub origin_m: [f32; 4],
    pub blocking_fraction: f32,
    pub solid_scale: f32,
    /// Bit 0: fluid-acceleration (pressure-gradient) force; bit 1: Saffman lift.
    pub forces: u32,
    /// Deep-bed filtration's attachment efficiency α (0: off).
    pub attachment_efficiency: f32,
}

impl ParticleParams {
    pub fn new(plan: &ParticlePlan, settings: &KernelSettings) -> Self {
        ParticleParams {
            count: plan.len() as u32,
            agents: plan.agent_names.len() as u32,
            magnets: plan.magnets as u32,
            seed: settings.seed,
            nu: settings.nu_lattice,
            dx_m: settings.dx_m,
            accel_to_lattice: settings.accel_to_lattice,
            bridging_ratio: settings.bridging_ratio,
            origin_m: [
                settings.origin_m[0],
                settings.origin_m[1],
                settings.origin_m[2],
                0.0,
            ],
            blocking_fraction: settings.blocking_fraction,
            solid_scale: SOLID_SCALE,
            forces: settings.pressure_gradient as u32 | (settings.lift as u32) << 1,
            attachment_efficiency: settings.attachment_efficiency,
        }
    }
}

/// The grid and cell-table layout the particle kernels read at run time
/// (`GridLayout` of src/kernels/particles.rs): as pipeline constants they made every
/// grid compile its own particle pipelines (~10 s each on lavapipe).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct GridLayout {
    pub nx: u32,
    pub ny: u32,
    pub nz: u32,
    pub cells_sparse: u32,
    pub bricks_x: u32,
    pub bricks_y: u32,
    pub brick_tables_at: u32,
    pub flags_at: u32,
    pub spare_slot: u32,
    /// Edge of the crowding blocks [cells] (`ParticlePlan::crowd_block`).
    pub crowd_block: u32,
    pub particle_count: u32,
    pub _pad: u32,
}

impl GridLayout {
    /// From the grid size, the lattice's cell-table constants
    /// (`GpuLattice::cell_table_constants`; those it omits keep the WGSL defaults of
    /// shaders/common/cells.wgsl), the crowding block and the particle count.
    pub fn new(
        dims: crate::lbm::GridDims,
        cell_table: &[(&str, f64)],
        crowd_block: u32,
        particle_count: usize,
    ) -> Self {
        let value = |name: &str| crate::lbm::sparse::cell_table_value(cell_table, name);
        GridLayout {
            nx: dims.nx as u32,
            ny: dims.ny as u32,
            nz: dims.nz as u32,
            cells_sparse: value("CELLS_SPARSE"),
            bricks_x: value("BRICKS_X"),
            bricks_y: value("BRICKS_Y"),
            brick_tables_at: value("BRICK_TABLES_AT"),
            flags_at: value("FLAGS_AT"),
            spare_slot: value("SPARE_SLOT"),
            crowd_block,
            particle_count: particle_count as u32,
            _pad: 0,
        }
    }
}

/// The layout of `OcclusionParams` in shaders/particles/occlusion.wgsl.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct OcclusionParams {
    /// Lattice kinematic viscosity.
    pub nu: f32,
    pub wall_fraction: f32,
    /// Fixed-point scale of the solid counters.
    pub solid_scale: f32,
    pub max_drag: f32,
}

impl OcclusionParams {
    pub fn new(settings: &KernelSettings) -> Self {
        OcclusionParams {
            nu: settings.nu_lattice,
            wall_fraction: settings.wall_fraction,
            solid_scale: SOLID_SCALE,
            max_drag: MAX_DRAG,
        }
    }
}

/// The constants above and the particle states as WGSL.
pub fn wgsl_constants() -> String {
    use super::plan::state;
    let mut s = String::from("// generated by embolus::particles::kernel_params\n");
    for (name, value) in [
        ("WAITING", state::WAITING),
        ("FREE", state::FREE),
        ("LODGED", state::LODGED),
        ("STUCK", state::STUCK),
        ("EXITED", state::EXITED),
        ("OUTSIDE", state::OUTSIDE),
        (
            "LIST_HORIZON",
            crate::sim::particles_gpu::LIST_HORIZON as u32,
        ),
    ] {
        s += &format!("const {name}: u32 = {value}u;\n");
    }
    for (name, value) in [
        ("BRIDGING_CHANCE", BRIDGING_CHANCE),
        ("CONVERGING_SLOPE", CONVERGING_SLOPE),
        ("NECK_BASELINE", NECK_BASELINE),
        ("NECK_NARROWING", NECK_NARROWING),
        ("DRAG_GROWTH", DRAG_GROWTH),
        ("DRAG_START", DRAG_START),
        ("NORMAL_OFFSET", super::fields::NORMAL_OFFSET),
    ] {
        s += &format!("const {name}: f32 = {value:?};\n");
    }
    s
}
