//! The [dosimetry] table of a scenario (docs/dosimetry.md).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DosimetrySpec {
    /// Prescribed activity at calibration [GBq].
    pub activity: f64,
    /// Time from calibration to the injection [h] (decay).
    #[serde(default)]
    pub hours_to_treatment: f64,
    /// Fraction of the activity shunted to the lungs, from 0 up to (not including) 1.
    #[serde(default)]
    pub lung_shunt_fraction: f64,
    /// Dose per activity over mass for full local deposition [Gy kg / GBq].
    #[serde(default = "default_dose_constant")]
    pub dose_constant: f64,
    /// Activity of one real sphere at calibration [Bq]; default from the agent
    /// (y90_glass 2,500, y90_resin 50).
    #[serde(default)]
    pub activity_per_sphere: Option<f64>,
    /// The tissue each outlet feeds, by outlet name.
    #[serde(default)]
    pub territories: BTreeMap<String, TerritorySpec>,
    /// The voxel dose map (dose.vti, dose-volume histograms).
    #[serde(default)]
    pub dose_map: DoseMapSpec,
}

/// [dosimetry.dose_map] (docs/dosimetry.md "Dose map").
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DoseMapSpec {
    /// Edge of a dose voxel [m]; default the label map's finest spacing, else the
    /// larger of 0.25 mm and the vessel box's longest side over 128.
    #[serde(default)]
    pub voxel: Option<f64>,
    /// Tissue density [kg/m³] (default 1,060, liver).
    #[serde(default)]
    pub density: Option<f64>,
    /// NIfTI-1 label map of the territories and tumours, relative to the scenario.
    #[serde(default)]
    pub label_map: Option<String>,
    /// A tabulated β point kernel instead of Loevinger's function: CSV rows "radius
    /// [mm], fraction of the decay energy within it", relative to the scenario.
    #[serde(default)]
    pub kernel_table: Option<String>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TerritorySpec {
    /// Mass of the territory [kg] (from the label map when `label` is given).
    #[serde(default)]
    pub mass: Option<f64>,
    /// The territory's normal-tissue label in the label map.
    #[serde(default)]
    pub label: Option<i64>,
    /// The label of its tumour in the label map.
    #[serde(default)]
    pub tumour_label: Option<i64>,
    /// Mass of the tumour within it [kg].
    #[serde(default)]
    pub tumour_mass: f64,
    /// Tumour-to-normal uptake per kg.
    #[serde(default = "one")]
    pub tumour_to_normal: f64,
}

/// Density of liver tissue [kg/m³] (ICRU Report 46, docs/references.md).
pub const LIVER_DENSITY_KG_M3: f64 = 1060.0;

fn default_dose_constant() -> f64 {
    super::DOSE_CONSTANT_GY_KG_PER_GBQ
}

fn one() -> f64 {
    1.0
}

/// Activity per sphere at calibration [Bq] of the agent presets that carry Y-90:
/// glass ~2,500 Bq (~1.2 million spheres per 3 GBq), resin ~50 Bq (40–80 million per
/// 3 GBq) (docs/references.md).
pub fn preset_activity_per_sphere_bq(agent: &str) -> Option<f64> {
    match agent {
        "y90_glass" => Some(2500.0),
        "y90_resin" => Some(50.0),
        _ => None,
    }
}
