//! The voxelized vessel: a kind per cell and the openings (inlets, outlets).

use crate::lbm::GridDims;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Axis {
    X,
    Y,
    Z,
}

impl Axis {
    pub fn index(self) -> usize {
        match self {
            Axis::X => 0,
            Axis::Y => 1,
            Axis::Z => 2,
        }
    }
    /// The two axes across this one, in right-handed order.
    pub fn across(self) -> (Axis, Axis) {
        match self {
            Axis::X => (Axis::Y, Axis::Z),
            Axis::Y => (Axis::Z, Axis::X),
            Axis::Z => (Axis::X, Axis::Y),
        }
    }
    pub fn unit(self) -> [f64; 3] {
        let mut u = [0.0; 3];
        u[self.index()] = 1.0;
        u
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Inlet,
    Outlet,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CellKind {
    Fluid,
    Wall,
    /// A boundary cell of the opening with this index.
    Opening(usize),
}

/// An inlet or outlet: a layer of boundary cells across a vessel end.
#[derive(Clone, Debug, Serialize)]
pub struct Opening {
    pub name: String,
    pub role: Role,
    /// Unit normal of the opening's plane, pointing into the vessel.
    pub normal: [f64; 3],
    /// Centre of the opening's cap [m].
    pub centre_m: [f64; 3],
    /// Radius of the cap as designed (primitive radius, or the circle with the area
    /// of an STL boundary loop) [m].
    pub radius_m: f64,
    /// Area of the cap as designed [m²]: what a mean velocity is multiplied by.
    pub nominal_area_m2: f64,
    /// Cell count × voxel area [m²]: the area the lattice sees.
    pub area_m2: f64,
    /// Linear indices of the opening's cells.
    #[serde(skip)]
    pub cells: Vec<usize>,
    /// Per cell: the lattice direction towards the fluid neighbour its boundary
    /// condition extrapolates from.
    #[serde(skip)]
    pub inward_dirs: Vec<usize>,
    /// Fully developed laminar profile at each cell, 1 on the axis (same order as
    /// `cells`); inlets use it for the parabolic profile.
    #[serde(skip)]
    pub parabolic_shape: Vec<f64>,
}

/// Cell kinds on a regular grid of cubic voxels.
#[derive(Clone, Debug)]
pub struct Voxels {
    pub dims: GridDims,
    /// Edge length of one voxel [m].
    pub voxel_size_m: f64,
    /// Position of the corner of cell (0, 0, 0) [m].
    pub origin_m: [f64; 3],
    pub kinds: Vec<CellKind>,
    pub openings: Vec<Opening>,
    /// Fluid cells removed because no path led to them from an inlet.
    pub removed_unconnected: usize,
}

impl Voxels {
    /// Position of a cell centre [m].
    pub fn cell_centre_m(&self, i: usize) -> [f64; 3] {
        let c = self.dims.coords(i);
        std::array::from_fn(|a| self.origin_m[a] + (c[a] as f64 + 0.5) * self.voxel_size_m)
    }

    pub fn fluid_cells(&self) -> usize {
        self.kinds.iter().filter(|k| **k == CellKind::Fluid).count()
    }

    /// Cells that are not wall: fluid and opening cells (what sparse storage keeps).
    pub fn lumen_cells(&self) -> usize {
        self.kinds.iter().filter(|k| **k != CellKind::Wall).count()
    }

    /// Fills in centre-independent measures of each opening from its cells.
    pub(crate) fn measure_openings(&mut self) {
        let dx = self.voxel_size_m;
        for o in &mut self.openings {
            o.area_m2 = o.cells.len() as f64 * dx * dx;
        }
    }

    /// The inlet openings.
    pub fn inlets(&self) -> impl Iterator<Item = &Opening> {
        self.openings.iter().filter(|o| o.role == Role::Inlet)
    }
}
