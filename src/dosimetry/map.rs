//! The dose map of a run: where the activity lies (spheres lodged in the resolved
//! vessels at their positions; spheres that left through an outlet spread over its
//! territory's voxels in a label map), the dose the β kernel makes of it, and the
//! dose figures of each region (docs/dosimetry.md "Dose map").

use super::dose_map::DoseGrid;
use super::dvh::{stats, DoseStats};
use super::kernel::{PointKernel, DEFAULT_KERNEL_ENERGY};
use super::{DosimetryPlan, SphereFates};
use serde::Serialize;

/// The summary's name of the default kernel.
pub const LOEVINGER_Y90: &str =
    "Y-90 beta point-source function of Loevinger (1956), voxel-integrated";

/// What the dose map is made on.
#[derive(Clone, Debug, PartialEq)]
pub struct DoseMapPlan {
    pub density_kg_m3: f64,
    /// The β point kernel and what it is, for the summary.
    pub kernel: PointKernel,
    pub kernel_name: String,
    /// The empty grid: over the label map's territories, or the vessel's box.
    pub grid: DoseGrid,
    /// Per voxel of the grid, the label map's label (0 outside it); None without a map.
    pub labels: Option<Vec<i32>>,
    /// The label map's path as given, for the summary.
    pub label_map: Option<String>,
}

/// The dose map as computed.
pub struct DoseMap {
    pub grid: DoseGrid,
    pub dose_gy: Vec<f64>,
    pub labels: Option<Vec<i32>>,
    pub summary: DoseMapSummary,
    /// Per region: the doses of its voxels (for the histograms).
    pub region_doses: Vec<(String, Vec<f64>)>,
}

/// The dose map's part of summary.json.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct DoseMapSummary {
    pub kernel: String,
    pub voxel_m: f64,
    pub dims: [usize; 3],
    pub density_kg_m3: f64,
    /// Radius the kernel reaches [m] and the fraction of the decay energy it holds.
    pub kernel_radius_m: f64,
    pub kernel_energy_fraction: f64,
    pub label_map: Option<String>,
    /// Activity placed in the map [GBq]: lodged in the vessels, in territories, and
    /// what lodged outside the map's box.
    pub activity_in_vessels_gbq: f64,
    pub activity_in_territories_gbq: f64,
    pub activity_outside_map_gbq: f64,
    pub regions: Vec<DoseStats>,
}

/// Where the spheres lie at the end, in world metres: lodged or stuck ones.
pub struct SpherePositions<'a> {
    pub lodged_m: &'a [[f64; 3]],
}

/// Computes the dose map of `plan` with the spheres' fates and positions.
pub fn compute(plan: &DosimetryPlan, fates: &SphereFates, spheres: &SpherePositions) -> DoseMap {
    let map = &plan.dose_map;
    let per_sphere = plan.liver_activity_gbq() / fates.planned.max(1) as f64;
    let mut grid = map.grid.clone();
    let mut in_vessels = 0.0;
    let mut outside = 0.0;
    for &p in spheres.lodged_m {
        if grid.deposit(p, per_sphere) {
            in_vessels += per_sphere;
        } else {
            outside += per_sphere;
        }
    }
    let mut in_territories = 0.0;
    if let Some(labels) = &map.labels {
        for t in &plan.territories {
            let Some(normal) = t.label else { continue };
            let n = fates.exited_through(&t.outlet);
            let activity = per_sphere * n as f64;
            spread(
                &mut grid.activity_gbq,
                labels,
                normal,
                t.tumour_label,
                t.tumour_to_normal,
                activity,
            );
            in_territories += activity;
        }
    }
    let radius = map.kernel.radius_holding(DEFAULT_KERNEL_ENERGY);
    let kernel = map.kernel.voxelised(grid.voxel_m, radius);
    let dose_gy = grid.dose_gy(&kernel, plan.dose_constant, map.density_kg_m3);
    let region_doses = regions(plan, map.labels.as_deref(), &dose_gy);
    let voxel_kg = grid.voxel_mass_kg(map.density_kg_m3);
    let summary = DoseMapSummary {
        kernel: map.kernel_name.clone(),
        voxel_m: grid.voxel_m,
        dims: grid.dims,
        density_kg_m3: map.density_kg_m3,
        kernel_radius_m: radius,
        kernel_energy_fraction: kernel.total(),
        label_map: map.label_map.clone(),
        activity_in_vessels_gbq: in_vessels,
        activity_in_territories_gbq: in_territories,
        activity_outside_map_gbq: outside,
        regions: region_doses
            .iter()
            .filter_map(|(name, d)| stats(name, d, voxel_kg))
            .collect(),
    };
    DoseMap {
        grid,
        dose_gy,
        labels: map.labels.clone(),
        summary,
        region_doses,
    }
}

/// Spreads `activity` over the voxels labelled `normal` (weight 1) and `tumour`
/// (weight `ratio`): the partition model's uptake per unit mass.
fn spread(
    activity_gbq: &mut [f64],
    labels: &[i32],
    normal: i64,
    tumour: Option<i64>,
    ratio: f64,
    activity: f64,
) {
    let weight = |l: i32| {
        if l as i64 == normal {
            1.0
        } else if Some(l as i64) == tumour {
            ratio
        } else {
            0.0
        }
    };
    let total: f64 = labels.iter().map(|&l| weight(l)).sum();
    if total == 0.0 {
        return;
    }
    for (a, &l) in activity_gbq.iter_mut().zip(labels) {
        *a += activity * weight(l) / total;
    }
}

/// The regions the figures are given for, with their voxels' doses: without a label
/// map, the whole box; with one, each labelled territory, its tumour and normal
/// tissue, and with several territories all tumours and all normal tissue.
fn regions(plan: &DosimetryPlan, labels: Option<&[i32]>, dose: &[f64]) -> Vec<(String, Vec<f64>)> {
    let Some(labels) = labels else {
        return vec![("map".into(), dose.to_vec())];
    };
    let pick = |keep: &dyn Fn(i64) -> bool| -> Vec<f64> {
        labels
            .iter()
            .zip(dose)
            .filter(|(&l, _)| keep(l as i64))
            .map(|(_, &d)| d)
            .collect()
    };
    let mut out = Vec::new();
    let (mut tumours, mut normals) = (Vec::new(), Vec::new());
    for t in &plan.territories {
        let Some(normal) = t.label else { continue };
        let tumour = t.tumour_label;
        out.push((
            t.outlet.clone(),
            pick(&|l| l == normal || Some(l) == tumour),
        ));
        normals.push(normal);
        if let Some(tl) = tumour {
            tumours.push(tl);
            out.push((format!("{} tumour", t.outlet), pick(&|l| l == tl)));
            out.push((format!("{} normal", t.outlet), pick(&|l| l == normal)));
        }
    }
    // Pooled over the territories when there are several to pool.
    if !tumours.is_empty() && normals.len() > 1 {
        out.push(("tumour".into(), pick(&|l| tumours.contains(&l))));
        out.push(("normal tissue".into(), pick(&|l| normals.contains(&l))));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dosimetry::spec::LIVER_DENSITY_KG_M3;
    use crate::dosimetry::{Territory, DOSE_CONSTANT_GY_KG_PER_GBQ};

    /// A 60 mm box of 1 mm voxels: a 20 mm territory (label 1) in its middle holding
    /// a 6 mm tumour (label 2), the rest unlabelled.
    fn labelled_plan() -> DosimetryPlan {
        let grid = DoseGrid::covering([0.0; 3], [60e-3; 3], 1e-3);
        let inside = |n: usize, lo: usize, hi: usize| {
            let ijk = [n % 60, (n / 60) % 60, n / 3600];
            ijk.iter().all(|&c| (lo..hi).contains(&c))
        };
        let labels = (0..grid.voxels())
            .map(|n| match (inside(n, 27, 33), inside(n, 20, 40)) {
                (true, _) => 2,
                (false, true) => 1,
                _ => 0,
            })
            .collect();
        let voxel_kg = grid.voxel_mass_kg(LIVER_DENSITY_KG_M3);
        DosimetryPlan {
            activity_gbq: 2.0,
            hours_to_treatment: 0.0,
            lung_shunt_fraction: 0.0,
            dose_constant: DOSE_CONSTANT_GY_KG_PER_GBQ,
            activity_per_sphere_bq: 2500.0,
            territories: vec![Territory {
                outlet: "out".into(),
                mass_kg: 8000.0 * voxel_kg,
                tumour_mass_kg: 216.0 * voxel_kg,
                tumour_to_normal: 4.0,
                label: Some(1),
                tumour_label: Some(2),
            }],
            dose_map: DoseMapPlan {
                density_kg_m3: LIVER_DENSITY_KG_M3,
                kernel: PointKernel::y90(LIVER_DENSITY_KG_M3),
                kernel_name: LOEVINGER_Y90.into(),
                grid,
                labels: Some(labels),
                label_map: Some("labels.nii".into()),
            },
        }
    }

    #[test]
    fn territory_activity_follows_the_uptake_ratio_and_the_energy_is_kept() {
        // 80 of 100 spheres left through the territory's outlet, 10 lodged in the
        // vessels (one outside the map), 10 still move.
        let plan = labelled_plan();
        let fates = SphereFates {
            planned: 100,
            released: 100,
            free: 10,
            in_vessels: 10,
            by_outlet: vec![("out".into(), 80)],
        };
        let mut lodged = vec![[30.5e-3, 30.5e-3, 10.5e-3]; 9];
        lodged.push([-1.0, 0.0, 0.0]);
        let map = compute(&plan, &fates, &SpherePositions { lodged_m: &lodged });
        let s = &map.summary;
        let a = &map.grid.activity_gbq;
        // Per voxel: tumour 4x normal; 2 GBq x 0.8 in the territory, 9 x 0.02 lodged.
        let (tumour, normal) = (a[30 + 60 * (30 + 60 * 30)], a[21 + 60 * (21 + 60 * 21)]);
        assert!((tumour / normal - 4.0).abs() < 1e-9, "{tumour} / {normal}");
        assert!((s.activity_in_territories_gbq - 1.6).abs() < 1e-12);
        assert!((s.activity_in_vessels_gbq - 0.18).abs() < 1e-12);
        assert!((s.activity_outside_map_gbq - 0.02).abs() < 1e-12);
        assert!((a.iter().sum::<f64>() - 1.78).abs() < 1e-9);
        // Every source lies 20 mm (past the kernel's reach) inside the box: the
        // energy the dose map holds is C·A times the kernel's fraction, within 1%.
        let energy = map.dose_gy.iter().sum::<f64>() * map.grid.voxel_mass_kg(LIVER_DENSITY_KG_M3);
        let expected = DOSE_CONSTANT_GY_KG_PER_GBQ * 1.78 * s.kernel_energy_fraction;
        assert!(
            (energy / expected - 1.0).abs() < 0.01,
            "{energy} vs {expected}"
        );
        // Regions: the territory, its tumour and normal tissue (nothing to pool).
        let names: Vec<&str> = s.regions.iter().map(|r| r.region.as_str()).collect();
        assert_eq!(names, ["out", "out tumour", "out normal"]);
        let (t, n) = (&s.regions[1], &s.regions[2]);
        assert_eq!((t.voxels, n.voxels), (216, 8000 - 216));
        // The tumour's mean lies between the normal tissue's and its partition-model
        // dose (β energy leaks out of a 6 mm tumour); D90 ≤ D70 ≤ max.
        let partition = crate::dosimetry::doses(&plan, &fates);
        let tumour_partition = partition.territories[0].tumour_dose_gy.unwrap();
        assert!(t.mean_dose_gy < tumour_partition && t.mean_dose_gy > 2.0 * n.mean_dose_gy);
        assert!(t.d90_gy <= t.d70_gy && t.d70_gy <= t.max_dose_gy);
        eprintln!(
            "tumour mean {:.1} Gy (partition {tumour_partition:.1}), normal {:.1} Gy (partition {:.1})",
            t.mean_dose_gy,
            n.mean_dose_gy,
            partition.territories[0].normal_dose_gy.unwrap()
        );
    }
}
