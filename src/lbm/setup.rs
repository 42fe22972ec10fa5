//! Host-side description of a lattice ready for the GPU: grid size, cell flags,
//! boundary records, relaxation and initial populations, all in lattice units.

use super::collision::Relaxation;
use super::equilibrium::equilibrium_shifted;
use super::lattice::Q;
use bytemuck::{Pod, Zeroable};

/// Grid dimensions in cells. Cell (x, y, z) has linear index x + nx·(y + ny·z).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GridDims {
    pub nx: usize,
    pub ny: usize,
    pub nz: usize,
}

impl GridDims {
    pub fn new(nx: usize, ny: usize, nz: usize) -> Self {
        GridDims { nx, ny, nz }
    }
    pub fn cells(&self) -> usize {
        self.nx * self.ny * self.nz
    }
    /// Blocks of `edge`³ cells that cover the grid (partial blocks at the far faces).
    pub fn blocks(&self, edge: usize) -> usize {
        [self.nx, self.ny, self.nz]
            .iter()
            .map(|n| n.div_ceil(edge.max(1)))
            .product()
    }
    pub fn index(&self, x: usize, y: usize, z: usize) -> usize {
        x + self.nx * (y + self.ny * z)
    }
    pub fn coords(&self, i: usize) -> [usize; 3] {
        [
            i % self.nx,
            (i / self.nx) % self.ny,
            i / (self.nx * self.ny),
        ]
    }
    /// The index of the cell at offset `c` from cell `i`, wrapping periodically on
    /// every axis. Non-periodic edges are made by walls in the geometry.
    pub fn neighbor(&self, i: usize, c: [i32; 3]) -> usize {
        let [x, y, z] = self.coords(i);
        let wrap =
            |v: usize, d: i32, n: usize| ((v as i64 + d as i64).rem_euclid(n as i64)) as usize;
        self.index(
            wrap(x, c[0], self.nx),
            wrap(y, c[1], self.ny),
            wrap(z, c[2], self.nz),
        )
    }
}

/// What a boundary cell imposes, in lattice units: the velocity of an inlet cell
/// (scaled each step by the inlet scale factor) or the density of an outlet cell.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Pod, Zeroable)]
pub struct BoundaryRecord {
    pub velocity: [f32; 3],
    /// Outlet density deviation δρ = ρ − 1 (unused for inlets).
    pub delta_density: f32,
}

/// Everything the GPU (or the CPU reference) needs to start stepping a lattice.
#[derive(Clone, Debug)]
pub struct LatticeSetup {
    pub dims: GridDims,
    /// One flag word per cell, see [`super::lattice::flags`].
    pub flags: Vec<u32>,
    /// Boundary records, indexed from the flag word of inlet and outlet cells.
    pub records: Vec<BoundaryRecord>,
    /// Number of openings (inlets and outlets) the flags refer to.
    pub opening_count: usize,
    pub relaxation: Relaxation,
    /// Outlet model per opening (by opening index); openings without an entry keep
    /// the fixed density deviation of their boundary records.
    pub outlet_models: Vec<super::outlets::OutletModel>,
    /// Openings that are inlets driven by a pressure (their cells are pressure cells
    /// and their model in `outlet_models` gives the pressure from their inflow).
    pub pressure_inlets: Vec<usize>,
    /// The slot of `StepState::outlet_pressure` holding the source pressure (δρ) of
    /// the pressure-driven inlets when it follows a waveform; `None`: their model's
    /// fixed source.
    pub source_slot: Option<usize>,
    /// The source in `source_slot` rises from 0 with the start-up ramp: the inlet's
    /// model starts from a source of 0 (src/sim/lattice_gpu/boundaries.rs).
    pub source_ramped: bool,
    /// Non-reflecting outlets: the time constant [steps] of the slow part of each
    /// outlet's flux (`outlets::wave_filter_steps`); `None` reflects pressure waves
    /// as a plain pressure condition does.
    pub outlet_filter_steps: Option<f32>,
    /// Harmonics of a Womersley inlet (0: the inlet profile only scales with time).
    pub inlet_harmonics: usize,
    /// Per boundary record, 1 + ⌈harmonics/2⌉ vec4s: the inward unit normal, then the
    /// complex coefficients (re, im) of each harmonic's velocity [lattice]; empty when
    /// `inlet_harmonics` is 0.
    pub inlet_dynamics: Vec<[f32; 4]>,
    /// Smagorinsky constant C_s (Δ = one cell); `None`: no subgrid model.
    pub smagorinsky: Option<f32>,
    /// Shear-thinning viscosity; `None`: Newtonian with `relaxation`'s τ everywhere.
    pub rheology: Option<super::rheology::LatticeRheology>,
    /// Body-force density in lattice units (Guo forcing), applied to fluid cells.
    pub force: [f32; 3],
    /// Initial populations, stored shifted by their weights (f − w_q), laid out
    /// population-major: value of direction q at cell i is at q·cells + i.
    pub populations: Vec<f32>,
    /// How the GPU stores the populations (arithmetic is f32 either way).
    pub precision: Precision,
    /// Threads per workgroup of the stream-collide kernel (a speed setting only).
    pub step_workgroup_size: u32,
    /// Store and update only the cells that are not wall (memory and work follow the
    /// lumen, not the bounding box); results are the same as dense storage's.
    pub sparse: bool,
    /// One population set updated in place (AA pattern): half the population memory,
    /// bitwise the results of two sets.
    pub in_place: bool,
    /// Interpolated walls: the wall-link table the fluid cells' flags point into
    /// ([`super::wall_links`]); empty for halfway bounce-back everywhere.
    pub wall_links: Vec<u32>,
    /// An antireflux catheter tip's seal; `None` without one.
    pub valve: Option<Valve>,
}

/// A one-way seal: a Darcy drag on the flow against `direction` in `cells`, none on
/// the flow along it (an antireflux catheter tip; shaders/lbm/collision.wgsl).
#[derive(Clone, Debug)]
pub struct Valve {
    pub direction: [f32; 3],
    pub cells: Vec<usize>,
    /// Drag σ on backflow [1/step].
    pub drag: f32,
}

impl LatticeSetup {
    /// A setup with every population at the equilibrium of density 1 + δρ(i) and
    /// velocity u(i) given by `initial`.
    pub fn at_equilibrium(
        dims: GridDims,
        flags: Vec<u32>,
        records: Vec<BoundaryRecord>,
        opening_count: usize,
        relaxation: Relaxation,
        force: [f32; 3],
        initial: impl Fn(usize) -> (f32, [f32; 3]),
    ) -> Self {
        let n = dims.cells();
        let mut populations = vec![0.0f32; Q * n];
        for i in 0..n {
            let (delta_rho, u) = initial(i);
            for q in 0..Q {
                populations[q * n + i] = equilibrium_shifted(q, delta_rho, u);
            }
        }
        LatticeSetup {
            dims,
            flags,
            records,
            opening_count,
            relaxation,
            rheology: None,
            smagorinsky: None,
            inlet_harmonics: 0,
            inlet_dynamics: vec![],
            outlet_models: vec![],
            pressure_inlets: vec![],
            outlet_filter_steps: None,
            force,
            populations,
            precision: Precision::F32,
            step_workgroup_size: crate::kernels::WORKGROUP_SIZE,
            sparse: false,
            in_place: false,
            wall_links: Vec::new(),
            valve: None,
            source_slot: None,
            source_ramped: false,
        }
    }
}

/// How populations are stored in GPU memory. Arithmetic is f32 either way; `F16`
/// stores the weight-shifted populations f − w as IEEE half floats (the "FP16S" idea of
/// Lehmann et al., Phys. Rev. E 106 (2022) 015308: shifting keeps the stored values
/// small, so the 11-bit mantissa resolves the deviations from rest), halving the memory
/// and the traffic per step. Needs the adapter's `SHADER_F16` feature.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    #[default]
    F32,
    F16,
}

impl Precision {
    /// Bytes of one stored population value.
    pub fn bytes(self) -> usize {
        match self {
            Precision::F32 => 4,
            Precision::F16 => 2,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Precision::F32 => "f32",
            Precision::F16 => "f16",
        }
    }
}

/// How the 19 population arrays are spread over storage bindings so that no binding
/// exceeds the adapter's `max_storage_buffer_binding_size` (128 MiB on lavapipe).
/// Buffer b holds directions b·pops_per_buffer .. (b+1)·pops_per_buffer, each for
/// every stored cell: every grid cell (dense), or only the cells that are not plain
/// wall at the start, brick by brick, plus one spare (`sparse`; brick tables map grid
/// cells to stored cells, plain walls to the spare, which holds zeros: src/lbm/sparse.rs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PopulationSplit {
    pub pops_per_buffer: usize,
    pub buffers: usize,
    pub precision: Precision,
    pub sparse: bool,
    /// One population set updated in place (AA pattern) instead of two.
    pub in_place: bool,
}

impl PopulationSplit {
    /// The fewest buffers that hold `cells` cells with at most `max_binding_bytes` per
    /// binding, or `None` when a single population array is already too large.
    /// `cells` counts the stored cells (the grid's, or the sparse list's).
    pub fn for_grid(cells: usize, max_binding_bytes: u64, precision: Precision) -> Option<Self> {
        let bytes_per_population = (cells * precision.bytes()) as u64;
        let fit = (max_binding_bytes / bytes_per_population.max(1)) as usize;
        if fit == 0 {
            return None;
        }
        let pops_per_buffer = fit.min(Q);
        let buffers = Q.div_ceil(pops_per_buffer);
        // Balance the directions over the buffers we need anyway.
        let pops_per_buffer = Q.div_ceil(buffers);
        Some(PopulationSplit {
            pops_per_buffer,
            buffers,
            precision,
            sparse: false,
            in_place: false,
        })
    }

    /// Population values held by buffer `b` for a grid of `cells` cells.
    pub fn buffer_values(&self, b: usize, cells: usize) -> usize {
        let first = b * self.pops_per_buffer;
        self.pops_per_buffer.min(Q - first) * cells
    }

    /// Bytes of buffer `b` for a grid of `cells` cells, rounded up to whole 4-byte words
    /// (wgpu's buffer-size alignment).
    pub fn buffer_bytes(&self, b: usize, cells: usize) -> u64 {
        ((self.buffer_values(b, cells) * self.precision.bytes()) as u64).next_multiple_of(4)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_respects_binding_limit() {
        let cells = 160 * 160 * 160;
        let limit = 128 << 20;
        let split = PopulationSplit::for_grid(cells, limit, Precision::F32).unwrap();
        assert!(split.buffers * split.pops_per_buffer >= Q);
        for b in 0..split.buffers {
            assert!(split.buffer_bytes(b, cells) <= limit);
        }
        assert_eq!(split.buffers, 3);
        // Half floats: the same grid needs two bindings.
        let half = PopulationSplit::for_grid(cells, limit, Precision::F16).unwrap();
        assert_eq!(half.buffers, 2);
        for b in 0..half.buffers {
            assert!(half.buffer_bytes(b, cells) <= limit);
        }
        // An odd value count still gives whole words: 9 directions × 3 cells × 2 B.
        assert_eq!(half.buffer_values(1, 3), 27);
        assert_eq!(half.buffer_bytes(1, 3), 56);
        let one = PopulationSplit::for_grid(32 * 32 * 32, limit, Precision::F32).unwrap();
        assert_eq!((one.buffers, one.pops_per_buffer), (1, Q));
        assert!(PopulationSplit::for_grid(1 << 26, limit, Precision::F32).is_none());
        assert!(PopulationSplit::for_grid(1 << 26, limit, Precision::F16).is_some());
    }

    #[test]
    fn neighbor_wraps_periodically() {
        let d = GridDims::new(4, 3, 2);
        assert_eq!(d.neighbor(d.index(0, 0, 0), [-1, -1, -1]), d.index(3, 2, 1));
        assert_eq!(d.neighbor(d.index(3, 2, 1), [1, 1, 1]), d.index(0, 0, 0));
        assert_eq!(d.coords(d.index(1, 2, 1)), [1, 2, 1]);
    }
}
