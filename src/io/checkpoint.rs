//! The checkpoint file: a versioned container of named binary sections (GPU buffers)
//! and a JSON header (step, scenario hash, host-side state), closed by a CRC-32 of
//! everything before it. Written to a temporary file and renamed, so a crash while
//! writing leaves the previous checkpoint intact.
//!
//! Layout: magic (8 bytes) | format version (u32 LE) | header length (u64 LE) |
//! header JSON | section bytes in header order | CRC-32 (u32 LE).

use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

pub const MAGIC: &[u8; 8] = b"EMBOLUS\x01";
/// Bumped whenever the sections or the header change meaning (2: the compact
/// wall-link table of src/lbm/wall_links.rs).
pub const FORMAT_VERSION: u32 = 2;
/// File name of the checkpoint in a results directory.
pub const FILE_NAME: &str = "checkpoint.bin";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SectionInfo {
    pub name: String,
    pub bytes: u64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CheckpointHeader {
    pub embolus_version: String,
    /// The scenario file the run started from, and its text then.
    pub scenario_path: String,
    pub scenario_text: String,
    /// SHA-256 of the scenario text and the voxelized vessel (hex).
    pub scenario_hash: String,
    pub step: u64,
    pub time_s: f64,
    pub sections: Vec<SectionInfo>,
    /// Host-side state of the run (metrics baseline, particle bookkeeping, …).
    pub host: serde_json::Value,
}

pub struct Checkpoint {
    pub header: CheckpointHeader,
    pub sections: Vec<Vec<u8>>,
}

impl Checkpoint {
    /// The bytes of section `name`.
    pub fn section(&self, name: &str) -> Option<&[u8]> {
        self.header
            .sections
            .iter()
            .position(|s| s.name == name)
            .map(|k| self.sections[k].as_slice())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    #[error("no checkpoint at {0}\n  Fix: give the results directory of a run that wrote one (runs write checkpoint.bin on Ctrl-C, at [checkpoint] intervals and at the end with --checkpoint)")]
    Missing(PathBuf),
    #[error("cannot read or write checkpoint {path}: {source}\n  Fix: check the path and its permissions")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0} is not an embolus checkpoint (wrong magic bytes)\n  Fix: give the results directory that holds the run's checkpoint.bin")]
    NotACheckpoint(PathBuf),
    #[error("checkpoint {path} has format version {found}; this embolus reads version {supported}\n  Fix: resume with the embolus version that wrote it, or start the run again")]
    Version {
        path: PathBuf,
        found: u32,
        supported: u32,
    },
    #[error("checkpoint {path} is truncated: {expected} bytes expected, {found} present\n  Fix: the file was cut short (disk full or copy interrupted); use an intact copy or start the run again")]
    Truncated {
        path: PathBuf,
        expected: u64,
        found: u64,
    },
    #[error("checkpoint {path} is corrupt: its checksum does not match (stored {stored:08x}, computed {computed:08x})\n  Fix: use an intact copy or start the run again; a damaged checkpoint is never used")]
    Corrupt {
        path: PathBuf,
        stored: u32,
        computed: u32,
    },
    #[error("checkpoint {path} has an unreadable header: {message}\n  Fix: use an intact copy or start the run again")]
    Header { path: PathBuf, message: String },
    #[error("checkpoint {path} does not belong to this run: {problem}\n  Fix: {fix}")]
    Mismatch {
        path: PathBuf,
        problem: String,
        fix: String,
    },
}

/// Writes `header` and `sections` (same order as `header.sections`) to `path`.
pub fn write(
    path: &Path,
    header: &CheckpointHeader,
    sections: &[Vec<u8>],
) -> Result<(), CheckpointError> {
    assert_eq!(
        header.sections.len(),
        sections.len(),
        "one info per section"
    );
    let io = |source| CheckpointError::Io {
        path: path.to_path_buf(),
        source,
    };
    let json = serde_json::to_vec(header).map_err(|e| io(std::io::Error::other(e)))?;
    let tmp = path.with_extension("bin.part");
    {
        let mut crc = crc32fast::Hasher::new();
        let mut out = std::io::BufWriter::new(std::fs::File::create(&tmp).map_err(io)?);
        let mut put = |bytes: &[u8]| -> std::io::Result<()> {
            crc.update(bytes);
            out.write_all(bytes)
        };
        put(MAGIC).map_err(io)?;
        put(&FORMAT_VERSION.to_le_bytes()).map_err(io)?;
        put(&(json.len() as u64).to_le_bytes()).map_err(io)?;
        put(&json).map_err(io)?;
        for s in sections {
            put(s).map_err(io)?;
        }
        let sum = crc.finalize();
        out.write_all(&sum.to_le_bytes()).map_err(io)?;
        out.flush().map_err(io)?;
        out.get_ref().sync_all().map_err(io)?;
    }
    std::fs::rename(&tmp, path).map_err(io)
}

/// Reads and verifies the checkpoint at `path`: magic, version, length, checksum.
pub fn read(path: &Path) -> Result<Checkpoint, CheckpointError> {
    if !path.exists() {
        return Err(CheckpointError::Missing(path.to_path_buf()));
    }
    let bytes = std::fs::read(path).map_err(|source| CheckpointError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let p = || path.to_path_buf();
    let fixed = MAGIC.len() + 4 + 8;
    if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
        return Err(CheckpointError::NotACheckpoint(p()));
    }
    if bytes.len() < fixed + 4 {
        return Err(CheckpointError::Truncated {
            path: p(),
            expected: (fixed + 4) as u64,
            found: bytes.len() as u64,
        });
    }
    let version = u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes"));
    if version != FORMAT_VERSION {
        return Err(CheckpointError::Version {
            path: p(),
            found: version,
            supported: FORMAT_VERSION,
        });
    }
    let header_len = u64::from_le_bytes(bytes[12..20].try_into().expect("8 bytes"));
    if (bytes.len() as u64) < fixed as u64 + header_len + 4 {
        return Err(CheckpointError::Truncated {
            path: p(),
            expected: fixed as u64 + header_len + 4,
            found: bytes.len() as u64,
        });
    }
    let header_end = fixed + header_len as usize;
    let header: Result<CheckpointHeader, _> = serde_json::from_slice(&bytes[fixed..header_end]);
    // Length before checksum: a truncated file fails here with the sizes it lacks.
    if let Ok(h) = &header {
        let expected = header_end as u64 + h.sections.iter().map(|s| s.bytes).sum::<u64>() + 4;
        if bytes.len() as u64 != expected {
            return Err(CheckpointError::Truncated {
                path: p(),
                expected,
                found: bytes.len() as u64,
            });
        }
    }
    let body = &bytes[..bytes.len() - 4];
    let stored = u32::from_le_bytes(bytes[bytes.len() - 4..].try_into().expect("4 bytes"));
    let computed = crc32fast::hash(body);
    if stored != computed {
        return Err(CheckpointError::Corrupt {
            path: p(),
            stored,
            computed,
        });
    }
    let header = header.map_err(|e| CheckpointError::Header {
        path: p(),
        message: e.to_string(),
    })?;
    let mut at = header_end;
    let mut sections = Vec::with_capacity(header.sections.len());
    for s in &header.sections {
        sections.push(bytes[at..at + s.bytes as usize].to_vec());
        at += s.bytes as usize;
    }
    Ok(Checkpoint { header, sections })
}

/// SHA-256 (hex) of everything that fixes a run's physics: the scenario text and the
/// voxelized vessel (so an edited STL or mask is caught too).
pub fn scenario_hash(scenario_text: &str, voxel_bytes: &[u8]) -> String {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    h.update((scenario_text.len() as u64).to_le_bytes());
    h.update(scenario_text.as_bytes());
    h.update(voxel_bytes);
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> (CheckpointHeader, Vec<Vec<u8>>) {
        let sections = vec![vec![1u8, 2, 3, 4], (0..100u8).collect()];
        let header = CheckpointHeader {
            embolus_version: "test".into(),
            scenario_path: "s.toml".into(),
            scenario_text: "name = \"x\"".into(),
            scenario_hash: scenario_hash("name", &[0, 1]),
            step: 42,
            time_s: 0.5,
            sections: vec![
                SectionInfo {
                    name: "a".into(),
                    bytes: 4,
                },
                SectionInfo {
                    name: "b".into(),
                    bytes: 100,
                },
            ],
            host: serde_json::json!({"k": 1}),
        };
        (header, sections)
    }

    fn temp(name: &str) -> PathBuf {
        std::env::temp_dir().join(format!("embolus-ckpt-{}-{name}", std::process::id()))
    }

    #[test]
    fn round_trips_and_rejects_damage() {
        let path = temp("ok.bin");
        let (header, sections) = sample();
        write(&path, &header, &sections).unwrap();
        let back = read(&path).unwrap();
        assert_eq!(back.header.step, 42);
        assert_eq!(back.section("b").unwrap(), sections[1].as_slice());
        let good = std::fs::read(&path).unwrap();

        // One flipped bit in a section.
        let mut flipped = good.clone();
        let k = flipped.len() - 10;
        flipped[k] ^= 0x10;
        std::fs::write(&path, &flipped).unwrap();
        assert!(matches!(read(&path), Err(CheckpointError::Corrupt { .. })));
        // Cut short.
        std::fs::write(&path, &good[..good.len() - 30]).unwrap();
        assert!(matches!(
            read(&path),
            Err(CheckpointError::Truncated { .. })
        ));
        std::fs::write(&path, &good[..10]).unwrap();
        assert!(matches!(
            read(&path),
            Err(CheckpointError::Truncated { .. })
        ));
        // Another file.
        std::fs::write(&path, b"name = \"not a checkpoint\"\n").unwrap();
        assert!(matches!(
            read(&path),
            Err(CheckpointError::NotACheckpoint(_))
        ));
        // A future version.
        let mut future = good.clone();
        future[8] = 99;
        std::fs::write(&path, &future).unwrap();
        let e = read(&path).err().unwrap();
        assert!(matches!(e, CheckpointError::Version { found: 99, .. }));
        assert!(e.to_string().contains("Fix:"));
        let _ = std::fs::remove_file(&path);
        assert!(matches!(read(&path), Err(CheckpointError::Missing(_))));
    }

    #[test]
    fn hash_depends_on_text_and_voxels() {
        let a = scenario_hash("x", &[1, 2]);
        assert_eq!(a, scenario_hash("x", &[1, 2]));
        assert_ne!(a, scenario_hash("x", &[1, 3]));
        assert_ne!(a, scenario_hash("y", &[1, 2]));
        assert_eq!(a.len(), 64);
    }
}
