//! The two-way coupling between the flow and the particles: the velocity field the
//! step kernel writes and the particles and the renderer read, and the porous drag
//! of lodged agents the occlusion kernel writes and the step applies. A run creates
//! it and hands it to the lattice, the particles and the renderer; an uncoupled
//! lattice gets a placeholder of one element.

use crate::gpu::bindings::Resources;
use crate::gpu::buffers::storage_from;
use crate::gpu::GpuContext;

#[derive(Clone)]
pub struct Coupling {
    /// (u, δρ) per grid cell, lattice units.
    velocity_field: wgpu::Buffer,
    /// Porous drag σ per grid cell [1/step] from lodged agents.
    porous_drag: wgpu::Buffer,
    /// Grid cells covered (0: a placeholder, nothing coupled).
    cells: usize,
}

impl Coupling {
    /// The fields for a grid of `cells` cells, zero to start with.
    pub fn new(ctx: &GpuContext, cells: usize) -> Self {
        Coupling {
            velocity_field: storage_from(ctx, "velocity field", &vec![[0.0f32; 4]; cells.max(1)]),
            porous_drag: storage_from(ctx, "porous drag", &vec![0.0f32; cells.max(1)]),
            cells,
        }
    }

    /// The fields for `setup`'s grid: zero, but an antireflux seal's cells carry
    /// their drag negated (shaders/lbm/collision.wgsl applies it to backflow only).
    pub fn for_setup(ctx: &GpuContext, setup: &crate::lbm::LatticeSetup) -> Self {
        let cells = setup.dims.cells();
        let mut drag = vec![0.0f32; cells.max(1)];
        if let Some(valve) = &setup.valve {
            for &c in &valve.cells {
                drag[c] = -valve.drag;
            }
        }
        Coupling {
            velocity_field: storage_from(ctx, "velocity field", &vec![[0.0f32; 4]; cells.max(1)]),
            porous_drag: storage_from(ctx, "porous drag", &drag),
            cells,
        }
    }

    /// One-element buffers for a lattice whose kernels are compiled uncoupled (wgpu
    /// buffers cannot be empty and every declared binding needs one).
    pub fn placeholder(ctx: &GpuContext) -> Self {
        let mut c = Coupling::new(ctx, 1);
        c.cells = 0;
        c
    }

    /// Whether the fields cover the grid (the kernels write and apply them).
    pub fn is_coupled(&self) -> bool {
        self.cells > 0
    }

    /// Grid cells covered (0 for a placeholder).
    pub fn cells(&self) -> usize {
        self.cells
    }

    pub fn velocity_field(&self) -> &wgpu::Buffer {
        &self.velocity_field
    }

    pub fn porous_drag(&self) -> &wgpu::Buffer {
        &self.porous_drag
    }

    /// The buffers by the names the kernels bind them under.
    pub fn resources(&self) -> Resources<'_> {
        Resources::new()
            .with("velocity_field", &self.velocity_field)
            .with("porous_drag", &self.porous_drag)
    }
}
