//! Any bytes given to the STL reader yield a mesh or an error, never a panic, and no
//! allocation is sized by an unchecked header.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(mut mesh) = embolus::geometry::stl::parse_stl(data, std::path::Path::new("fuzz.stl")) {
        let _ = mesh.cap_open_ends();
    }
});
