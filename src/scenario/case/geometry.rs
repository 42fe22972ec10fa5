//! The first stage of a case: the grid and the vessel. Checks the geometry keys and
//! voxelizes (CPU only). `embolus geometry` stops here, so a vessel can be inspected
//! before the flow settings are right.

use super::checker::Checker;
use crate::geometry;
use crate::geometry::{cut_cells, CutCell};
use crate::lbm::lattice::flags;
use crate::scenario::error::{key_line, ScenarioError};
use crate::scenario::schema::{Geometry, Scenario, WallTreatment};
use std::path::Path;

/// Radius (or half-width) below this many voxels cannot carry a flow profile.
pub const MIN_CELLS_ACROSS_HALF: f64 = 2.0;
/// Grids above this many cells exceed the kernels' 32-bit indexing.
const MAX_CELLS: f64 = 2.0e8;

/// Numbers of a geometry that must be positive: (key, value, unit).
fn positive_geometry_numbers(g: &Geometry) -> Vec<(&'static str, f64, &'static str)> {
    match g {
        Geometry::Cylinder { radius, length, .. } => {
            vec![("radius", *radius, "m"), ("length", *length, "m")]
        }
        Geometry::Channel {
            width,
            height,
            length,
            ..
        } => {
            vec![
                ("width", *width, "m"),
                ("height", *height, "m"),
                ("length", *length, "m"),
            ]
        }
        Geometry::Tapered {
            start_radius,
            end_radius,
            ..
        } => {
            vec![
                ("start_radius", *start_radius, "m"),
                ("end_radius", *end_radius, "m"),
            ]
        }
        Geometry::Tube { radii, .. } => radii.iter().map(|r| ("radii", *r, "m")).collect(),
        Geometry::Stenosis {
            radius,
            length,
            stenosis_length,
            area_reduction_percent,
            ..
        } => vec![
            ("radius", *radius, "m"),
            ("length", *length, "m"),
            ("stenosis_length", *stenosis_length, "m"),
            ("area_reduction_percent", *area_reduction_percent, "%"),
        ],
        Geometry::Aneurysm {
            radius,
            length,
            sac_radius,
            neck_radius,
            ..
        } => vec![
            ("radius", *radius, "m"),
            ("length", *length, "m"),
            ("sac_radius", *sac_radius, "m"),
            ("neck_radius", *neck_radius, "m"),
        ],
        Geometry::Bifurcation {
            parent_radius,
            parent_length,
            daughter_length,
            murray_exponent,
            daughter_radii,
            ..
        } => {
            let mut v = vec![
                ("parent_radius", *parent_radius, "m"),
                ("parent_length", *parent_length, "m"),
                ("daughter_length", *daughter_length, "m"),
                ("murray_exponent", *murray_exponent, ""),
            ];
            if let Some(r) = daughter_radii {
                v.extend(r.iter().map(|r| ("daughter_radii", *r, "m")));
            }
            v
        }
        Geometry::Tree {
            root_radius,
            root_length,
            murray_exponent,
            length_to_radius,
            ..
        } => vec![
            ("root_radius", *root_radius, "m"),
            ("root_length", *root_length, "m"),
            ("murray_exponent", *murray_exponent, ""),
            ("length_to_radius", *length_to_radius, ""),
        ],
        Geometry::Stl { scale, .. } => vec![("scale", *scale, "")],
        Geometry::Union { .. } | Geometry::Nifti { .. } => vec![],
    }
}

fn check_geometry(c: &Checker, g: &Geometry) -> Result<(), ScenarioError> {
    for (key, value, unit) in positive_geometry_numbers(g) {
        c.positive("geometry", key, value, unit)?;
    }
    let fail =
        |key: &str, problem: String, fix: &str| Err(c.fail("geometry", key, problem, fix.into()));
    match g {
        Geometry::Stenosis {
            area_reduction_percent,
            ..
        } if *area_reduction_percent >= 100.0 => fail(
            "area_reduction_percent",
            format!("area_reduction_percent = {area_reduction_percent} closes the vessel"),
            "use a value below 100 (a complete occlusion has no flow to simulate)",
        ),
        Geometry::Stenosis { position, .. } | Geometry::Aneurysm { position, .. }
            if !(0.0..=1.0).contains(position) =>
        {
            fail(
                "position",
                format!("position = {position} lies outside the vessel"),
                "give the position as a fraction of the length, between 0 and 1",
            )
        }
        Geometry::Tube { points, radii } if points.len() < 2 || points.len() != radii.len() => {
            fail(
                "points",
                format!(
                    "a tube needs at least 2 points and one radius per point ({} points, {} radii)",
                    points.len(),
                    radii.len()
                ),
                "give points = [[x, y, z], ...] and radii = [r, ...] of the same length",
            )
        }
        Geometry::Tree { generations, .. } if !(1..=10).contains(generations) => fail(
            "generations",
            format!("generations = {generations}: a tree needs 1 to 10 generations"),
            "use 1..10 (2^generations outlets)",
        ),
        Geometry::Union { parts } if parts.is_empty() => fail(
            "parts",
            "a union needs at least one part".into(),
            "add [[geometry.parts]] tables, each with a shape",
        ),
        Geometry::Union { parts } => parts.iter().try_for_each(|p| check_geometry(c, p)),
        _ => Ok(()),
    }
}

/// Checks the grid and geometry keys and voxelizes the vessel (CPU only).
pub fn build_geometry(c: &Checker, scenario: &Scenario) -> Result<geometry::Built, ScenarioError> {
    let (path, source) = (c.path, c.source);
    let dx = scenario.grid.voxel_size;
    c.positive("grid", "voxel_size", dx, "m")?;
    check_geometry(c, &scenario.geometry)?;
    if let Some(cells) = estimate_cells(&scenario.geometry, dx) {
        if cells > MAX_CELLS {
            return Err(c.fail(
                "grid",
                "voxel_size",
                format!("the grid would have {cells:.2e} cells, more than embolus handles ({MAX_CELLS:.0e})"),
                format!("use a coarser voxel_size (>= {:.3e} m)", dx * (cells / MAX_CELLS).cbrt()),
            ));
        }
    }
    // Resolution first: voxelizing an unresolved vessel would only fail less clearly.
    let nominal_half_extent = match scenario.geometry {
        Geometry::Cylinder { radius, .. }
        | Geometry::Stenosis { radius, .. }
        | Geometry::Aneurysm { radius, .. } => Some(radius),
        Geometry::Channel { width, height, .. } => Some(0.5 * width.min(height)),
        Geometry::Tapered { start_radius, .. } => Some(start_radius),
        Geometry::Bifurcation { parent_radius, .. } => Some(parent_radius),
        Geometry::Tree { root_radius, .. } => Some(root_radius),
        _ => None,
    };
    let unresolved = |half_extent: f64| {
        c.fail(
            "grid",
            "voxel_size",
            format!(
                "the inlet is only {:.1} voxels across: the lumen cannot be resolved \
                 ({half_extent:.3e} m from the axis to the wall)",
                2.0 * half_extent / dx
            ),
            format!(
                "use voxel_size <= {:.3e} m (8 or more cells across for accurate profiles)",
                half_extent / 4.0
            ),
        )
    };
    if let Some(h) = nominal_half_extent.filter(|h| h / dx < MIN_CELLS_ACROSS_HALF) {
        return Err(unresolved(h));
    }
    let base_dir = path.parent().unwrap_or(Path::new("."));
    let built = geometry::build(
        &scenario.geometry,
        dx,
        base_dir,
        scenario.inlet.as_ref().and_then(|i| i.opening.as_deref()),
    )
    .map_err(|e| ScenarioError::Geometry {
        path: path.to_path_buf(),
        line: key_line(source, "geometry", "shape"),
        source: Box::new(e),
    })?;
    Ok(built)
}

/// Cell count of the straight ducts, known before voxelizing (other shapes are
/// checked when their grid is laid out).
fn estimate_cells(g: &Geometry, dx: f64) -> Option<f64> {
    match *g {
        Geometry::Cylinder { radius, length, .. } => {
            Some((2.0 * radius / dx + 2.0).powi(2) * (length / dx + 2.0))
        }
        Geometry::Channel {
            width,
            height,
            length,
            ..
        } => Some((width / dx + 2.0) * (height / dx + 2.0) * (length / dx + 2.0)),
        _ => None,
    }
}

/// The links the vessel's surface cuts when the scenario asks for interpolated walls;
/// none for halfway walls or a geometry whose walls lie halfway already (channels).
pub fn wall_links_of(
    c: &Checker,
    built: &crate::geometry::Built,
    scenario: &Scenario,
) -> Result<Vec<CutCell>, ScenarioError> {
    let (Some(surface), WallTreatment::Interpolated) = (&built.surface, scenario.lbm.walls) else {
        return Ok(Vec::new());
    };
    let cut = cut_cells(&built.voxels, &built.beyond_openings, surface);
    let words = crate::lbm::wall_links::table_bytes(&cut) / 4;
    if words > flags::MAX_LINK_WORDS as u64 {
        return Err(c.fail(
            "lbm",
            "walls",
            format!(
                "the wall cuts {} cells, more than one wall-link table can address",
                cut.len()
            ),
            "use walls = \"halfway\" or a coarser voxel_size".into(),
        ));
    }
    Ok(cut)
}
