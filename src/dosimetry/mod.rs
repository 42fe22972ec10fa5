//! Y-90 radioembolization dosimetry by the partition model: the prescribed activity,
//! decayed from calibration to treatment and less the lung shunt, follows the
//! simulated spheres; each outlet's territory receives the activity of the spheres
//! that left through it, and within a territory the activity splits between tumour
//! and normal tissue by their masses and uptake ratio. Absorbed dose assumes every β
//! deposits its energy where its sphere lies (docs/dosimetry.md):
//!
//!   D [Gy] = C · A [GBq] / m [kg],  C = 49.67 Gy kg / GBq
//!
//! (MIRD partition model; the constant used with resin spheres, 50 with glass; from
//! Y-90's mean β energy 0.9267 MeV and half-life 64.1 h, docs/references.md).

use serde::Serialize;

pub mod convolve;
pub mod dose_map;
pub mod dvh;
pub mod kernel;
pub mod map;
pub mod output;
pub mod spec;

/// Y-90 half-life [h] (64.1 h = 2.67 d).
pub const Y90_HALF_LIFE_H: f64 = 64.1;
/// Dose of full local deposition per unit of activity over mass [Gy kg / GBq].
pub const DOSE_CONSTANT_GY_KG_PER_GBQ: f64 = 49.67;

/// What [dosimetry] asks, in SI-like clinical units (GBq, h, kg).
#[derive(Clone, Debug, PartialEq)]
pub struct DosimetryPlan {
    /// Prescribed activity at calibration [GBq].
    pub activity_gbq: f64,
    /// Time from calibration to the injection [h].
    pub hours_to_treatment: f64,
    /// Fraction of the activity shunted to the lungs (removed before the liver).
    pub lung_shunt_fraction: f64,
    pub dose_constant: f64,
    /// Activity of one real sphere at calibration [Bq].
    pub activity_per_sphere_bq: f64,
    pub territories: Vec<Territory>,
    pub dose_map: map::DoseMapPlan,
}

impl DosimetryPlan {
    /// The activity reaching the liver [GBq]: decayed to the treatment, less the
    /// lung shunt.
    pub fn liver_activity_gbq(&self) -> f64 {
        decayed(self.activity_gbq, self.hours_to_treatment) * (1.0 - self.lung_shunt_fraction)
    }
}

/// The tissue an outlet feeds.
#[derive(Clone, Debug, PartialEq)]
pub struct Territory {
    pub outlet: String,
    /// Whole territory [kg].
    pub mass_kg: f64,
    /// The tumour's part of it [kg] (0: no tumour).
    pub tumour_mass_kg: f64,
    /// Tumour-to-normal uptake per unit mass.
    pub tumour_to_normal: f64,
    /// Its normal tissue's and its tumour's labels in the label map.
    pub label: Option<i64>,
    pub tumour_label: Option<i64>,
}

/// Dose in one territory.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct TerritoryDose {
    pub outlet: String,
    pub mass_kg: f64,
    /// Simulated spheres that left through the outlet, and the real spheres they
    /// stand for.
    pub spheres_simulated: u64,
    pub spheres_real: f64,
    pub activity_gbq: f64,
    /// Mean absorbed dose over the territory [Gy].
    pub mean_dose_gy: f64,
    /// With a tumour: its dose and the normal tissue's [Gy].
    pub tumour_dose_gy: Option<f64>,
    pub normal_dose_gy: Option<f64>,
}

/// The dosimetry part of summary.json.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct DoseSummary {
    pub activity_at_calibration_gbq: f64,
    pub hours_to_treatment: f64,
    /// 2^(−t / T½).
    pub decay_factor: f64,
    pub activity_at_treatment_gbq: f64,
    pub lung_shunt_activity_gbq: f64,
    pub activity_per_sphere_bq: f64,
    /// Real spheres in the prescribed activity, simulated particles planned, and the
    /// real spheres each simulated one stands for.
    pub spheres_real: f64,
    pub spheres_simulated: u64,
    pub real_per_simulated: f64,
    /// Fractions of the simulated spheres: in the territories with a mass, through
    /// outlets without one, lodged or stuck in the resolved vessels, still moving,
    /// not yet released when the run ended.
    pub in_territories_fraction: f64,
    pub other_outlets_fraction: f64,
    pub in_vessels_fraction: f64,
    pub in_transit_fraction: f64,
    pub not_released_fraction: f64,
    pub territories: Vec<TerritoryDose>,
    /// Over all territories: the tumours' dose (their activity over their mass), the
    /// normal tissue's, and the ratio of the two — the figure selective and lobar
    /// injections are compared by. None without a tumour.
    pub tumour_dose_gy: Option<f64>,
    pub normal_tissue_dose_gy: Option<f64>,
    pub tumour_to_normal_dose_ratio: Option<f64>,
    /// The voxel dose map's figures (filled in by the run).
    pub dose_map: Option<map::DoseMapSummary>,
}

/// Activity after `hours` of decay.
pub fn decayed(activity: f64, hours: f64) -> f64 {
    activity * 0.5f64.powf(hours / Y90_HALF_LIFE_H)
}

/// Partition of a territory's activity: (tumour, normal) [GBq], the tumour taking
/// `ratio` times the normal tissue's uptake per kg (MIRD partition model).
pub fn partition(activity: f64, mass_kg: f64, tumour_kg: f64, ratio: f64) -> (f64, f64) {
    let normal_kg = mass_kg - tumour_kg;
    let weight = ratio * tumour_kg + normal_kg;
    let tumour = activity * ratio * tumour_kg / weight;
    (tumour, activity - tumour)
}

/// Where the simulated spheres ended, by count.
#[derive(Clone, Debug, Default)]
pub struct SphereFates {
    /// Spheres planned (every one the scenario injects).
    pub planned: u64,
    pub released: u64,
    pub free: u64,
    /// Lodged or stuck in the resolved vessels.
    pub in_vessels: u64,
    /// (outlet name, spheres that left through it).
    pub by_outlet: Vec<(String, u64)>,
}

impl SphereFates {
    /// Spheres that left through `outlet`.
    pub fn exited_through(&self, outlet: &str) -> u64 {
        self.by_outlet
            .iter()
            .find(|(name, _)| name == outlet)
            .map_or(0, |(_, n)| *n)
    }
}

/// The dose summary of a plan and the spheres' fates.
pub fn doses(plan: &DosimetryPlan, fates: &SphereFates) -> DoseSummary {
    let decay = decayed(1.0, plan.hours_to_treatment);
    let at_treatment = plan.activity_gbq * decay;
    let lung = at_treatment * plan.lung_shunt_fraction;
    let to_liver = at_treatment - lung;
    let planned = fates.planned.max(1) as f64;
    let spheres_real = plan.activity_gbq * 1e9 / plan.activity_per_sphere_bq;
    let share = |n: u64| n as f64 / planned;
    // Per territory its dose; pooled over all of them, the tumours' and the normal
    // tissue's activity and mass.
    let mut territories = Vec::with_capacity(plan.territories.len());
    let (mut tumour, mut normal) = ((0.0, 0.0), (0.0, 0.0));
    for t in &plan.territories {
        let n = fates.exited_through(&t.outlet);
        let activity = to_liver * share(n);
        let (a_t, a_n) = partition(activity, t.mass_kg, t.tumour_mass_kg, t.tumour_to_normal);
        let normal_kg = t.mass_kg - t.tumour_mass_kg;
        tumour = (tumour.0 + a_t, tumour.1 + t.tumour_mass_kg);
        normal = (normal.0 + a_n, normal.1 + normal_kg);
        let with_tumour = t.tumour_mass_kg > 0.0;
        territories.push(TerritoryDose {
            outlet: t.outlet.clone(),
            mass_kg: t.mass_kg,
            spheres_simulated: n,
            spheres_real: spheres_real * share(n),
            activity_gbq: activity,
            mean_dose_gy: plan.dose_constant * activity / t.mass_kg,
            tumour_dose_gy: with_tumour.then(|| plan.dose_constant * a_t / t.tumour_mass_kg),
            normal_dose_gy: with_tumour.then(|| plan.dose_constant * a_n / normal_kg),
        });
    }
    let in_territories: u64 = territories.iter().map(|t| t.spheres_simulated).sum();
    let tumour_dose = (tumour.1 > 0.0).then(|| plan.dose_constant * tumour.0 / tumour.1);
    let normal_dose =
        (tumour.1 > 0.0 && normal.1 > 0.0).then(|| plan.dose_constant * normal.0 / normal.1);
    let through_outlets: u64 = fates.by_outlet.iter().map(|(_, n)| n).sum();
    DoseSummary {
        activity_at_calibration_gbq: plan.activity_gbq,
        hours_to_treatment: plan.hours_to_treatment,
        decay_factor: decay,
        activity_at_treatment_gbq: at_treatment,
        lung_shunt_activity_gbq: lung,
        activity_per_sphere_bq: plan.activity_per_sphere_bq,
        spheres_real,
        spheres_simulated: fates.planned,
        real_per_simulated: spheres_real / planned,
        in_territories_fraction: share(in_territories),
        other_outlets_fraction: share(through_outlets - in_territories),
        in_vessels_fraction: share(fates.in_vessels),
        in_transit_fraction: share(fates.free),
        not_released_fraction: share(fates.planned.saturating_sub(fates.released)),
        territories,
        tumour_dose_gy: tumour_dose,
        normal_tissue_dose_gy: normal_dose,
        tumour_to_normal_dose_ratio: tumour_dose.zip(normal_dose).map(|(t, n)| t / n),
        dose_map: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(territories: Vec<Territory>) -> DosimetryPlan {
        DosimetryPlan {
            activity_gbq: 3.0,
            hours_to_treatment: 0.0,
            lung_shunt_fraction: 0.0,
            dose_constant: DOSE_CONSTANT_GY_KG_PER_GBQ,
            activity_per_sphere_bq: 2500.0,
            territories,
            dose_map: map::DoseMapPlan {
                density_kg_m3: spec::LIVER_DENSITY_KG_M3,
                kernel: kernel::PointKernel::y90(spec::LIVER_DENSITY_KG_M3),
                kernel_name: map::LOEVINGER_Y90.into(),
                grid: dose_map::DoseGrid::covering([0.0; 3], [1e-3; 3], 0.5e-3),
                labels: None,
                label_map: None,
            },
        }
    }

    fn territory(outlet: &str, mass: f64, tumour: f64, ratio: f64) -> Territory {
        Territory {
            outlet: outlet.into(),
            mass_kg: mass,
            tumour_mass_kg: tumour,
            tumour_to_normal: ratio,
            label: None,
            tumour_label: None,
        }
    }

    #[test]
    fn pooled_normal_tissue_takes_every_territory() {
        // Two 1 kg territories, a 0.2 kg tumour (T/N 3) in the first; 300 and 700 of
        // 1000 spheres. First: 0.9 GBq, tumour 0.9·0.6/1.4; normal 0.9·0.8/1.4 + 2.1.
        let fates = SphereFates {
            planned: 1000,
            released: 1000,
            by_outlet: vec![("a".into(), 300), ("b".into(), 700)],
            ..Default::default()
        };
        let d = doses(
            &plan(vec![
                territory("a", 1.0, 0.2, 3.0),
                territory("b", 1.0, 0.0, 1.0),
            ]),
            &fates,
        );
        let tumour = 49.67 * (0.9 * 0.6 / 1.4) / 0.2;
        let normal = 49.67 * (0.9 * 0.8 / 1.4 + 2.1) / 1.8;
        assert!((d.tumour_dose_gy.unwrap() / tumour - 1.0).abs() < 1e-12);
        assert!((d.normal_tissue_dose_gy.unwrap() / normal - 1.0).abs() < 1e-12);
        assert!((d.tumour_to_normal_dose_ratio.unwrap() / (tumour / normal) - 1.0).abs() < 1e-12);
        let none = doses(&plan(vec![territory("b", 1.0, 0.0, 1.0)]), &fates);
        assert_eq!(
            (none.tumour_dose_gy, none.tumour_to_normal_dose_ratio),
            (None, None)
        );
    }

    #[test]
    fn decay_follows_the_half_life() {
        // One half-life halves, ten give 2^-10; a day leaves 77.1%.
        assert!((decayed(3.0, 64.1) / 1.5 - 1.0).abs() < 1e-12);
        assert!((decayed(1.0, 641.0) / 2f64.powi(-10) - 1.0).abs() < 1e-12);
        let day = decayed(1.0, 24.0);
        assert!((day / (-24.0 * 2f64.ln() / 64.1).exp() - 1.0).abs() < 1e-12);
        assert!((day - 0.7714).abs() < 1e-4, "{day}");
    }

    #[test]
    fn all_activity_in_one_compartment_gives_the_partition_model_dose() {
        // 3 GBq in 1.5 kg, every sphere through the outlet: 49.67 * 3 / 1.5 = 99.34 Gy.
        let fates = SphereFates {
            planned: 1000,
            released: 1000,
            by_outlet: vec![("out".into(), 1000)],
            ..Default::default()
        };
        let d = doses(&plan(vec![territory("out", 1.5, 0.0, 1.0)]), &fates);
        let t = &d.territories[0];
        assert!(
            (t.mean_dose_gy / 99.34 - 1.0).abs() < 1e-12,
            "{}",
            t.mean_dose_gy
        );
        assert_eq!(t.tumour_dose_gy, None);
        // 3 GBq of 2,500-Bq glass spheres: 1.2 million, 1,200 per simulated one.
        assert!(
            (d.spheres_real - 1.2e6).abs() < 1e-6 && (d.real_per_simulated - 1200.0).abs() < 1e-9
        );
        assert!((d.in_territories_fraction - 1.0).abs() < 1e-12);
    }

    #[test]
    fn the_tumour_takes_its_uptake_share_and_the_shunt_and_decay_come_off_first() {
        // 400 of 1000 spheres to a 1 kg territory with a 0.1 kg tumour at T/N = 4,
        // 200 through another outlet; 100 lodge upstream, 200 still move, 100 wait;
        // a day of decay, 10% lung shunt.
        let fates = SphereFates {
            planned: 1000,
            released: 900,
            free: 200,
            in_vessels: 100,
            by_outlet: vec![("a".into(), 400), ("b".into(), 200)],
        };
        let mut p = plan(vec![territory("a", 1.0, 0.1, 4.0)]);
        p.hours_to_treatment = 24.0;
        p.lung_shunt_fraction = 0.1;
        let d = doses(&p, &fates);
        let liver = 3.0 * decayed(1.0, 24.0) * 0.9;
        let a = liver * 0.4;
        // Tumour share: 4 * 0.1 / (4 * 0.1 + 0.9) = 0.4 / 1.3.
        let (a_t, a_n) = (a * 0.4 / 1.3, a * 0.9 / 1.3);
        let t = &d.territories[0];
        assert!((t.activity_gbq / a - 1.0).abs() < 1e-12);
        assert!((t.tumour_dose_gy.unwrap() / (49.67 * a_t / 0.1) - 1.0).abs() < 1e-12);
        assert!((t.normal_dose_gy.unwrap() / (49.67 * a_n / 0.9) - 1.0).abs() < 1e-12);
        // Tumour-to-normal dose ratio is the uptake ratio.
        assert!((t.tumour_dose_gy.unwrap() / t.normal_dose_gy.unwrap() - 4.0).abs() < 1e-12);
        // One territory: the pooled figures are its own.
        assert!((d.tumour_dose_gy.unwrap() / t.tumour_dose_gy.unwrap() - 1.0).abs() < 1e-12);
        assert!((d.tumour_to_normal_dose_ratio.unwrap() - 4.0).abs() < 1e-12);
        assert!((d.lung_shunt_activity_gbq / (3.0 * decayed(1.0, 24.0) * 0.1) - 1.0).abs() < 1e-12);
        let fractions = [
            d.in_territories_fraction,
            d.other_outlets_fraction,
            d.in_vessels_fraction,
            d.in_transit_fraction,
            d.not_released_fraction,
        ];
        assert_eq!(fractions, [0.4, 0.2, 0.1, 0.2, 0.1]);
        assert!(
            (fractions.iter().sum::<f64>() - 1.0).abs() < 1e-12,
            "every sphere counted once"
        );
    }
}
