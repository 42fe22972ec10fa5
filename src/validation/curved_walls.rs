//! Curved walls: steady Poiseuille flow in a periodic circular pipe driven by a body
//! force, its axis along the grid or tilted against it, with halfway or interpolated
//! bounce-back (src/lbm/wall_links.rs). The wall is the only source of error here (no
//! inlet or outlet), so the observed order over the radius is the wall treatment's.

use super::support::{gpu_run, macroscopic};
use crate::geometry::{cut_cells, CellKind, Voxels, WallSurface};
use crate::gpu::{GpuContext, GpuError};
use crate::lbm::{CollisionModel, GridDims, LatticeSetup, Relaxation};
use crate::sim::build::flags_and_records;

/// Relaxation time of the case (ν = 1/6): the scenarios' usual range is 0.51–1, and
/// the interpolated wall's error grows with τ (docs/validation.md).
const TAU: f64 = 1.0;
/// Peak velocity of the analytic profile [lattice].
const U_PEAK: f64 = 0.02;
/// Run length in slowest viscous time constants R²/(ν j₀₁²) from the analytic state.
const TIME_CONSTANTS: f64 = 4.0;

/// The flow's errors against Hagen–Poiseuille at the fluid nodes.
#[derive(Clone, Copy, Debug)]
pub struct CurvedPipeResult {
    pub radius_cells: usize,
    /// Σ u·d over the fluid nodes against Σ u_exact(r) over the same nodes, relative:
    /// the flow rate the lattice carries at its nodes.
    pub flow_error: f64,
    /// Largest |u − u_exact| at a fluid node, relative to the peak velocity.
    pub max_error: f64,
    /// L2 norm of u − u_exact over the fluid nodes relative to u_exact's.
    pub l2_error: f64,
    /// Links the wall cuts (0 with halfway walls).
    pub links: usize,
}

/// A periodic box holding one pipe of radius `radius_cells` along the integer
/// direction `axis` (e.g. [0, 0, 1] along the grid, [1, 0, 2] tilted 26.6° in the
/// x–z plane), far enough from its periodic images.
#[derive(Clone)]
struct TiltedPipe {
    dims: GridDims,
    axis: [f64; 3],
    /// A point of the axis [cells].
    through: [f64; 3],
    radius: f64,
}

impl TiltedPipe {
    fn new(radius_cells: usize, axis: [i32; 3]) -> Self {
        let r = radius_cells as f64;
        let length = (axis.iter().map(|&a| (a * a) as f64).sum::<f64>()).sqrt();
        let unit = axis.map(|a| a as f64 / length);
        // The box repeats along each axis every m·|a_k| cells (4 along an axis the
        // pipe does not cross), so the pipe maps onto itself; m grows until every
        // image the box's periods make lies 2R + 3 cells away.
        let across = 2 * radius_cells + 4;
        let mut m = 1usize;
        loop {
            let n: [usize; 3] = std::array::from_fn(|k| {
                if axis[k] == 0 {
                    across
                } else {
                    m * axis[k].unsigned_abs() as usize
                }
            });
            let pipe = TiltedPipe {
                dims: GridDims::new(n[0], n[1], n[2]),
                axis: unit,
                through: n.map(|v| v as f64 / 2.0),
                radius: r,
            };
            if pipe.nearest_image_distance() >= 2.0 * r + 3.0 {
                return pipe;
            }
            m += 1;
        }
    }

    /// Distance of p to the axis [cells], p relative to `through`, with the offset
    /// `shift` of a periodic image.
    fn axis_distance(&self, p: [f64; 3], shift: [f64; 3]) -> f64 {
        let v: [f64; 3] = std::array::from_fn(|k| p[k] - self.through[k] - shift[k]);
        let along = v[0] * self.axis[0] + v[1] * self.axis[1] + v[2] * self.axis[2];
        (v.iter().map(|x| x * x).sum::<f64>() - along * along)
            .max(0.0)
            .sqrt()
    }

    fn shifts(&self) -> impl Iterator<Item = [f64; 3]> + '_ {
        let n = [self.dims.nx, self.dims.ny, self.dims.nz].map(|v| v as f64);
        (0..27).map(move |k| {
            let s = [k % 3, (k / 3) % 3, k / 9].map(|v| v as f64 - 1.0);
            std::array::from_fn(|a| s[a] * n[a])
        })
    }

    /// Distance of p to the nearest image of the axis [cells].
    fn distance(&self, p: [f64; 3]) -> f64 {
        self.shifts()
            .map(|s| self.axis_distance(p, s))
            .fold(f64::INFINITY, f64::min)
    }

    /// The closest approach of an image of the axis other than itself.
    fn nearest_image_distance(&self) -> f64 {
        self.shifts()
            .map(|s| self.axis_distance(self.through, s))
            .filter(|&d| d > 1e-9)
            .fold(f64::INFINITY, f64::min)
    }

    fn voxels(&self) -> Voxels {
        let kinds = (0..self.dims.cells())
            .map(|i| {
                let c = self.dims.coords(i).map(|v| v as f64 + 0.5);
                if self.distance(c) < self.radius {
                    CellKind::Fluid
                } else {
                    CellKind::Wall
                }
            })
            .collect();
        Voxels {
            dims: self.dims,
            voxel_size_m: 1.0,
            origin_m: [0.0; 3],
            kinds,
            openings: vec![],
            removed_unconnected: 0,
        }
    }
}

/// Steady Poiseuille flow in a periodic pipe of radius `radius_cells` along `axis`,
/// halfway (`interpolated` false) or interpolated walls, started from the analytic
/// profile and run 4 viscous time constants (the flow then within 0.01% of its
/// steady value); errors against
/// u(r) = F (R² − r²) / (4 ρ ν) with the true radius R.
pub fn periodic_pipe(
    ctx: &GpuContext,
    radius_cells: usize,
    axis: [i32; 3],
    interpolated: bool,
) -> Result<CurvedPipeResult, GpuError> {
    let pipe = TiltedPipe::new(radius_cells, axis);
    let voxels = pipe.voxels();
    let r = pipe.radius;
    let nu_l = (TAU - 0.5) / 3.0;
    let force = U_PEAK * 4.0 * nu_l / (r * r);
    let exact = |i: usize| {
        let c = pipe.dims.coords(i).map(|v| v as f64 + 0.5);
        let d = pipe.distance(c);
        (force * (r * r - d * d) / (4.0 * nu_l)).max(0.0)
    };
    let (cell_flags, _) = flags_and_records(&voxels, |_, _| 0.0, 0.0);
    let unit = pipe.axis;
    let mut setup = LatticeSetup::at_equilibrium(
        pipe.dims,
        cell_flags,
        vec![],
        0,
        Relaxation::new(TAU, CollisionModel::default()),
        unit.map(|a| (a * force) as f32),
        |i| {
            let u = if voxels.kinds[i] == CellKind::Fluid {
                exact(i)
            } else {
                0.0
            };
            (0.0, unit.map(|a| (a * u) as f32))
        },
    );
    let mut links = 0;
    if interpolated {
        let inside = {
            let pipe = pipe.clone();
            move |p: [f64; 3]| pipe.distance(p) < pipe.radius
        };
        let found = cut_cells(
            &voxels,
            &vec![false; pipe.dims.cells()],
            &WallSurface::Implicit(Box::new(inside)),
        );
        links = found.iter().map(|c| c.links.len()).sum();
        crate::lbm::wall_links::attach(&mut setup, &found);
    }
    let steps = (TIME_CONSTANTS * r * r / (nu_l * 5.783)).ceil() as u32;
    let fields = macroscopic(&setup, &gpu_run(ctx, &setup, steps)?);
    let (mut flow, mut flow_exact, mut max_error) = (0.0, 0.0, 0.0f64);
    let (mut l2, mut l2_ref) = (0.0f64, 0.0f64);
    for (i, kind) in voxels.kinds.iter().enumerate() {
        if *kind != CellKind::Fluid {
            continue;
        }
        let u = fields[i].1;
        let along = (0..3).map(|k| u[k] as f64 * unit[k]).sum::<f64>();
        flow += along;
        flow_exact += exact(i);
        max_error = max_error.max((along - exact(i)).abs() / U_PEAK);
        l2 += (along - exact(i)).powi(2);
        l2_ref += exact(i).powi(2);
    }
    Ok(CurvedPipeResult {
        radius_cells,
        flow_error: flow / flow_exact - 1.0,
        max_error,
        l2_error: (l2 / l2_ref).sqrt(),
        links,
    })
}

/// Least-squares slope of log(L2 error) against log(1/R): the observed order. (The
/// flow error changes sign with the radius as the cut distances change, so its
/// logarithm is no measure of order.)
pub fn observed_order(results: &[CurvedPipeResult]) -> f64 {
    let points: Vec<(f64, f64)> = results
        .iter()
        .map(|r| ((1.0 / r.radius_cells as f64).ln(), r.l2_error.ln()))
        .collect();
    let k = points.len() as f64;
    let mx = points.iter().map(|p| p.0).sum::<f64>() / k;
    let my = points.iter().map(|p| p.1).sum::<f64>() / k;
    points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum::<f64>()
        / points.iter().map(|p| (p.0 - mx).powi(2)).sum::<f64>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tilted_box_keeps_images_apart_and_the_pipe_periodic() {
        let pipe = TiltedPipe::new(8, [1, 0, 2]);
        assert!(pipe.nearest_image_distance() >= 19.0);
        assert_eq!(pipe.dims.nz, 2 * pipe.dims.nx);
        // A point on the axis and the same point one period along it.
        let p = pipe.through;
        let q = [
            p[0] + pipe.dims.nx as f64 / 2.0,
            p[1],
            p[2] + pipe.dims.nz as f64 / 2.0,
        ];
        assert!(pipe.distance(p) < 1e-9 && pipe.distance(q) < 1e-9);
        let v = pipe.voxels();
        let fluid = v.fluid_cells() as f64;
        // Lumen volume πR² × the axis length in the box, within the staircase.
        let length = ((pipe.dims.nx.pow(2) + pipe.dims.nz.pow(2)) as f64).sqrt();
        let expected = std::f64::consts::PI * 64.0 * length;
        assert!(
            (fluid / expected - 1.0).abs() < 0.02,
            "{fluid} vs {expected}"
        );
    }
}
