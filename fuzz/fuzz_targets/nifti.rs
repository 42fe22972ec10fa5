//! Any bytes given to the NIfTI reader (plain or gzip) yield a mask or an error, never a
//! panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = embolus::geometry::nifti::mask_from_bytes(data, std::path::Path::new("fuzz.nii"), None);
});
