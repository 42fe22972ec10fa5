//! What a checkpoint holds from the GPU: every buffer whose content changes during a
//! run (populations of the current set, outlet state, flags changed by occlusion,
//! particle arrays, WSS sums), read back whole and written back whole, so a resumed
//! run continues bit for bit.

use super::fields_gpu::GpuFields;
use super::particles_gpu::GpuParticles;
use super::GpuLattice;
use crate::gpu::buffers::read_back;
use crate::gpu::{GpuContext, GpuError};
use crate::io::checkpoint::{Checkpoint, SectionInfo};

/// A GPU object whose buffers carry the state of a run.
pub trait GpuState {
    /// (section name, buffer) of every buffer a run changes.
    fn state_buffers(&self) -> Vec<(String, &wgpu::Buffer)>;

    /// Called once the buffers hold a restored state: drop whatever was derived from
    /// the previous content.
    fn after_restore(&self) {}
}

impl GpuState for GpuLattice {
    fn state_buffers(&self) -> Vec<(String, &wgpu::Buffer)> {
        self.state_buffers_named()
            .into_iter()
            .map(|(n, b)| (format!("lattice.{n}"), b))
            .collect()
    }
}

impl GpuState for GpuParticles {
    fn state_buffers(&self) -> Vec<(String, &wgpu::Buffer)> {
        self.state_buffers_named()
            .into_iter()
            .map(|(n, b)| (format!("particles.{n}"), b))
            .collect()
    }

    fn after_restore(&self) {
        self.invalidate_active_list();
    }
}

impl GpuState for GpuFields {
    fn state_buffers(&self) -> Vec<(String, &wgpu::Buffer)> {
        vec![("fields.wall_sums".into(), &self.wall_sums)]
    }
}

/// Reads every state buffer of `objects` back: section infos and bytes.
pub fn read_state(
    ctx: &GpuContext,
    objects: &[&dyn GpuState],
) -> Result<(Vec<SectionInfo>, Vec<Vec<u8>>), GpuError> {
    let mut infos = Vec::new();
    let mut data = Vec::new();
    for o in objects {
        for (name, buffer) in o.state_buffers() {
            let bytes: Vec<u8> = read_back(ctx, buffer, buffer.size())?;
            infos.push(SectionInfo {
                name,
                bytes: bytes.len() as u64,
            });
            data.push(bytes);
        }
    }
    Ok((infos, data))
}

/// Writes the checkpoint's sections into the buffers of `objects`. Every buffer must
/// find a section of its name and size; `Err` names the first that does not.
pub fn restore_state(
    ctx: &GpuContext,
    objects: &[&dyn GpuState],
    checkpoint: &Checkpoint,
) -> Result<(), String> {
    let mut expected = 0;
    for o in objects {
        for (name, buffer) in o.state_buffers() {
            expected += 1;
            let bytes = checkpoint
                .section(&name)
                .ok_or_else(|| format!("it has no section {name}"))?;
            if bytes.len() as u64 != buffer.size() {
                return Err(format!(
                    "its section {name} holds {} bytes, this run needs {} (a different grid, particle count or output region)",
                    bytes.len(),
                    buffer.size()
                ));
            }
            ctx.queue.write_buffer(buffer, 0, bytes);
        }
        o.after_restore();
    }
    if expected != checkpoint.sections.len() {
        return Err(format!(
            "it holds {} sections, this run has {expected} (particles or fields switched on or off since)",
            checkpoint.sections.len()
        ));
    }
    Ok(())
}
