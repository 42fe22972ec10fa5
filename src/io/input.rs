//! Reading input files (scenarios, surfaces, label maps, waveforms) with a look at
//! what they are first: a device, pipe or directory (`/dev/zero`, a FIFO) or a file
//! far larger than any input of its kind is refused before anything is read, so a
//! wrong path cannot read until memory runs out.

use std::io::{Error, ErrorKind, Read};
use std::path::Path;

/// Largest scenario file (TOML text).
pub const MAX_SCENARIO_BYTES: u64 = 16 << 20;
/// Largest waveform table (CSV text).
pub const MAX_TABLE_BYTES: u64 = 64 << 20;
/// Largest surface mesh or label map (a 2,000³ voxel label map in 8 bits, a 40-million
/// triangle binary STL).
pub const MAX_VOLUME_BYTES: u64 = 8 << 30;

/// The bytes of `path`, a regular file of at most `max_bytes`.
pub fn read_bounded(path: &Path, max_bytes: u64) -> std::io::Result<Vec<u8>> {
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            "not a regular file (a directory, device or pipe); give the path of a file",
        ));
    }
    if meta.len() > max_bytes {
        return Err(too_large(meta.len(), max_bytes));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    // `take`: a file that grows while it is read still stops at the limit.
    std::fs::File::open(path)?
        .take(max_bytes + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max_bytes {
        return Err(too_large(bytes.len() as u64, max_bytes));
    }
    Ok(bytes)
}

/// The text of `path`, a regular UTF-8 file of at most `max_bytes`.
pub fn read_text_bounded(path: &Path, max_bytes: u64) -> std::io::Result<String> {
    String::from_utf8(read_bounded(path, max_bytes)?).map_err(|_| {
        Error::new(
            ErrorKind::InvalidData,
            "not UTF-8 text; save the file as plain text",
        )
    })
}

fn too_large(len: u64, max_bytes: u64) -> Error {
    Error::new(
        ErrorKind::InvalidInput,
        format!(
            "{:.1} MiB, more than the {:.0} MiB an input of this kind can plausibly be; check the path",
            len as f64 / 1048576.0,
            max_bytes as f64 / 1048576.0
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_directories_and_oversized_files_are_refused() {
        let dir = std::env::temp_dir().join(format!("embolus-input-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let e = read_bounded(&dir, 1 << 20).unwrap_err().to_string();
        assert!(e.contains("not a regular file"), "{e}");
        if Path::new("/dev/zero").exists() {
            let e = read_bounded(Path::new("/dev/zero"), 1 << 20)
                .unwrap_err()
                .to_string();
            assert!(e.contains("not a regular file"), "{e}");
        }
        let file = dir.join("big.csv");
        std::fs::write(&file, vec![b'1'; 2000]).unwrap();
        let e = read_bounded(&file, 1000).unwrap_err().to_string();
        assert!(e.contains("more than"), "{e}");
        assert_eq!(read_bounded(&file, 2000).unwrap().len(), 2000);
        std::fs::write(&file, [0xff, 0xfe]).unwrap();
        let e = read_text_bounded(&file, 1000).unwrap_err().to_string();
        assert!(e.contains("not UTF-8"), "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
