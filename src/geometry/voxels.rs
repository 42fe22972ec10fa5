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
    pub fn unit(self) -> [i32; 3] {
        let mut u = [0; 3];
        u[self.index()] = 1;
        u
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
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

/// An inlet or outlet: a plane of boundary cells.
#[derive(Clone, Debug, Serialize)]
pub struct Opening {
    pub name: String,
    pub role: Role,
    /// Unit lattice direction from the opening into the vessel.
    pub inward: [i32; 3],
    /// Mean position of the opening's cell centres [m].
    pub centre_m: [f64; 3],
    /// Radius of the circle with the opening's area [m].
    pub radius_m: f64,
    /// Cell count × voxel area [m²].
    pub area_m2: f64,
    /// Linear indices of the opening's cells.
    #[serde(skip)]
    pub cells: Vec<usize>,
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
    pub kinds: Vec<CellKind>,
    pub openings: Vec<Opening>,
}

impl Voxels {
    /// Position of a cell centre [m], the grid origin at the corner of cell (0, 0, 0).
    pub fn cell_centre_m(&self, i: usize) -> [f64; 3] {
        let c = self.dims.coords(i);
        c.map(|v| (v as f64 + 0.5) * self.voxel_size_m)
    }

    pub fn fluid_cells(&self) -> usize {
        self.kinds.iter().filter(|k| **k == CellKind::Fluid).count()
    }

    /// Fills in centre, area and radius of each opening from its cells.
    pub(crate) fn measure_openings(&mut self) {
        let dx = self.voxel_size_m;
        for k in 0..self.openings.len() {
            let cells = &self.openings[k].cells;
            let n = cells.len().max(1) as f64;
            let mut centre = [0.0; 3];
            for &i in cells {
                let p = self.cell_centre_m(i);
                for a in 0..3 {
                    centre[a] += p[a] / n;
                }
            }
            let area = cells.len() as f64 * dx * dx;
            let o = &mut self.openings[k];
            o.centre_m = centre;
            o.area_m2 = area;
            o.radius_m = (area / std::f64::consts::PI).sqrt();
        }
    }
}
