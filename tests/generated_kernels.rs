//! The generated kernels checked in under shaders/generated/ are exactly what
//! embolus::kernels produces now: a change to a kernel or to the generator shows as
//! a diff of WGSL. `EMBOLUS_BLESS=1 cargo test --release --test suite generated_kernels` rewrites
//! them after an intended change.

use embolus::kernels::catalogue::{catalogue, file_text, GENERATED_DIR};
use std::path::Path;

#[test]
fn generated_kernels_in_the_repository_are_current() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(GENERATED_DIR);
    let bless = std::env::var_os("EMBOLUS_BLESS").is_some();
    if bless {
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
    }
    let kernels = catalogue();
    let mut stale = Vec::new();
    for (name, kernel) in &kernels {
        let path = dir.join(name);
        let text = file_text(kernel);
        if bless {
            std::fs::write(&path, &text).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            stale.push(name.clone());
        }
    }
    // No file is left over from a variant that no longer exists.
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    on_disk.sort();
    let mut expected: Vec<String> = kernels.iter().map(|(n, _)| n.clone()).collect();
    expected.sort();
    assert!(
        stale.is_empty() && on_disk == expected,
        "shaders/generated/ is out of date (stale: {stale:?}; files {} vs kernels {}): \
         run EMBOLUS_BLESS=1 cargo test --release --test suite generated_kernels and review the diff",
        on_disk.len(),
        expected.len()
    );
}
