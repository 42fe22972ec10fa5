//! Result writers. They format and write; they compute no physics.

pub mod centreline_file;
pub mod checkpoint;
pub mod geometry_files;
pub mod input;
pub mod metrics;
pub mod preview;
pub mod report;
pub mod summary;
pub mod vtk;
pub mod vtk_read;
pub mod vtp;

/// Serde for `Vec<f64>` that may hold NaN (JSON has no NaN): NaN ↔ null.
pub mod nan_as_null {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(v: &[f64], s: S) -> Result<S::Ok, S::Error> {
        v.iter()
            .map(|x| x.is_finite().then_some(*x))
            .collect::<Vec<Option<f64>>>()
            .serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
        Ok(Vec::<Option<f64>>::deserialize(d)?
            .into_iter()
            .map(|x| x.unwrap_or(f64::NAN))
            .collect())
    }
}
