//! GPU errors with messages that say what to do, and the sink that turns wgpu's
//! uncaptured errors (which would otherwise panic) into those errors.

use std::sync::{Arc, Mutex};

#[derive(Debug, thiserror::Error)]
pub enum GpuError {
    #[error(
        "no GPU adapter found: embolus needs a Vulkan, Metal or DX12 driver.\n  \
         On Debian/Ubuntu without a GPU install the software Vulkan driver:\n    \
         sudo apt-get install mesa-vulkan-drivers\n  \
         then check with `embolus info`. If WGPU_BACKEND is set, make sure it names an \
         available backend (vulkan, metal, dx12)."
    )]
    NoAdapter,
    #[error(
        "no adapter name contains {wanted:?}; available: {available:?}.\n  \
         Fix: pass one of those names (or part of it) to --adapter / EMBOLUS_ADAPTER, or \
         leave both unset to choose automatically."
    )]
    AdapterNotFound {
        wanted: String,
        available: Vec<String>,
    },
    #[error("could not open a device on {adapter}: {message}")]
    Device { adapter: String, message: String },
    #[error("the grid does not fit this adapter ({adapter}): {problem}.\n  Fix: {fix}")]
    TooLarge {
        adapter: String,
        problem: String,
        fix: String,
    },
    #[error("{adapter} lacks {feature}, which {needed_for} needs.\n  Fix: {fix}")]
    Unsupported {
        adapter: String,
        feature: String,
        needed_for: String,
        fix: String,
    },
    #[error("GPU error: {0}")]
    Wgpu(String),
    #[error("GPU buffer read-back failed: {0}")]
    Readback(String),
}

/// Collects errors that wgpu reports outside an error scope.
#[derive(Clone, Default)]
pub struct ErrorSink(Arc<Mutex<Vec<String>>>);

impl ErrorSink {
    pub fn record(&self, message: String) {
        if let Ok(mut errors) = self.0.lock() {
            errors.push(message);
        }
    }

    /// Returns the first recorded error, if any, and clears the list.
    pub fn check(&self) -> Result<(), GpuError> {
        let mut errors = self.0.lock().map_err(|e| GpuError::Wgpu(e.to_string()))?;
        if errors.is_empty() {
            return Ok(());
        }
        let first = errors.remove(0);
        errors.clear();
        Err(GpuError::Wgpu(first))
    }
}
