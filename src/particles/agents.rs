//! Embolic agents: what a particle is made of and how big it is. Presets from
//! docs/references.md ("Embolic agents"); values marked there as uncertain are
//! flagged in `source` and in docs/particles.md.

use super::sizes::SizeDistribution;
use serde::{Deserialize, Serialize};

/// A custom agent (`[agents.NAME]`), or a preset's values.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Agent {
    /// Particle density [kg/m³].
    pub density: f64,
    /// Diameter distribution [m].
    pub diameter: SizeDistribution,
    /// Volume magnetic susceptibility difference to blood Δχ (SI, dimensionless; 0:
    /// not magnetic). Force (V Δχ/μ0)(B·∇)B below saturation (docs/references.md).
    #[serde(default)]
    pub magnetic_susceptibility: f64,
    /// Coefficient of restitution of wall collisions (0: the normal velocity is lost,
    /// 1: elastic).
    #[serde(default = "default_restitution")]
    pub restitution: f64,
    /// Probability that a wall contact ends with the particle stuck to the wall.
    #[serde(default)]
    pub sticking_probability: f64,
    /// Where the values come from (presets), shown in summaries.
    #[serde(default)]
    pub source: String,
}

fn default_restitution() -> f64 {
    0.5
}

impl Agent {
    /// Why the agent cannot be simulated, if it cannot.
    pub fn problem(&self) -> Option<String> {
        if !(self.density.is_finite() && self.density > 0.0) {
            return Some(format!(
                "density = {} must be positive (kg/m^3)",
                self.density
            ));
        }
        if let Some(p) = self.diameter.problem() {
            return Some(format!("diameter: {p}"));
        }
        if !self.magnetic_susceptibility.is_finite() {
            return Some("magnetic_susceptibility must be a number".into());
        }
        if !(0.0..=1.0).contains(&self.restitution) {
            return Some(format!(
                "restitution = {} must lie in [0, 1]",
                self.restitution
            ));
        }
        if !(0.0..=1.0).contains(&self.sticking_probability) {
            return Some(format!(
                "sticking_probability = {} must lie in [0, 1]",
                self.sticking_probability
            ));
        }
        None
    }
}

/// Names of the presets, for messages.
pub const PRESET_NAMES: [&str; 13] = [
    "y90_glass",
    "y90_resin",
    "ho166_plla",
    "beads_40_120",
    "beads_100_300",
    "beads_300_500",
    "beads_500_700",
    "beads_700_900",
    "beads_900_1200",
    "gelatin_sponge",
    "lipiodol",
    "magnetic_microspheres",
    "tracer",
];

/// A preset agent by name (docs/references.md, "Embolic agents").
pub fn preset(name: &str) -> Option<Agent> {
    let agent = |density: f64, diameter: SizeDistribution, source: &str| Agent {
        density,
        diameter,
        magnetic_susceptibility: 0.0,
        restitution: default_restitution(),
        sticking_probability: 0.0,
        source: source.into(),
    };
    let beads = |min_um: f64, max_um: f64| {
        agent(
            1100.0,
            SizeDistribution::Uniform {
                min: min_um * 1e-6,
                max: max_um * 1e-6,
            },
            "calibrated beads (PVA, trisacryl gelatin, drug-eluting): size class in µm; \
             density 1.05-1.2 g/mL (docs/references.md marks it uncertain), 1.1 taken",
        )
    };
    Some(match name {
        "y90_glass" => agent(
            3300.0,
            SizeDistribution::Normal {
                mean: 25e-6,
                sd: 2.5e-6,
                min: Some(20e-6),
                max: Some(30e-6),
            },
            "TheraSphere: 20-30 µm, median 25 µm, 3.2-3.6 g/mL (3.3 taken)",
        ),
        "y90_resin" => agent(
            1600.0,
            SizeDistribution::Normal {
                mean: 32e-6,
                sd: 10e-6,
                min: Some(20e-6),
                max: Some(60e-6),
            },
            "SIR-Spheres: 20-60 µm, mean 32 ± 10 µm, ~1.6 g/mL",
        ),
        "ho166_plla" => agent(
            1400.0,
            SizeDistribution::Normal {
                mean: 30e-6,
                sd: 3e-6,
                min: None,
                max: None,
            },
            "Ho-166 PLLA: ~30 µm (10% spread assumed), 1.4 g/mL",
        ),
        "beads_40_120" => beads(40.0, 120.0),
        "beads_100_300" => beads(100.0, 300.0),
        "beads_300_500" => beads(300.0, 500.0),
        "beads_500_700" => beads(500.0, 700.0),
        "beads_700_900" => beads(700.0, 900.0),
        "beads_900_1200" => beads(900.0, 1200.0),
        "gelatin_sponge" => Agent {
            restitution: 0.1,
            ..agent(
                1100.0,
                SizeDistribution::Uniform {
                    min: 0.5e-3,
                    max: 2e-3,
                },
                "gelatin-sponge fragments 0.5-2 mm, ~1.1 g/mL (uncertain); soft: restitution 0.1",
            )
        },
        "lipiodol" => Agent {
            restitution: 0.0,
            ..agent(
                1280.0,
                SizeDistribution::LogNormal {
                    median: 40e-6,
                    gsd: 1.3,
                },
                "Lipiodol-in-water droplets: median 34-52 µm (40 taken, gsd 1.3 assumed), \
                 ~1.28 g/mL (uncertain); deformable: restitution 0",
            )
        },
        "magnetic_microspheres" => Agent {
            magnetic_susceptibility: 1.0,
            ..agent(
                2500.0,
                SizeDistribution::Normal {
                    mean: 30e-6,
                    sd: 5e-6,
                    min: None,
                    max: None,
                },
                "magnetic microspheres: 1-100 µm and 1.5-5 g/mL in docs/references.md; 30 µm, \
                 2.5 g/mL and Δχ = 1 (magnetite composite, below saturation) assumed",
            )
        },
        "tracer" => agent(
            1060.0,
            SizeDistribution::Fixed { diameter: 1e-6 },
            "neutrally buoyant 1 µm tracer (follows the flow)",
        ),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_is_valid() {
        for name in PRESET_NAMES {
            let a = preset(name).unwrap_or_else(|| panic!("{name}"));
            assert_eq!(a.problem(), None, "{name}");
        }
        assert!(preset("unknown").is_none());
    }
}
