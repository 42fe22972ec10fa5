//! Compute pipeline creation with validation errors caught in an error scope, so a
//! shader problem becomes a [`GpuError`] rather than a panic.

use super::context::GpuContext;
use super::error::GpuError;

/// Compiles `source` and builds the compute pipeline for `entry_point`, with the given
/// pipeline-overridable constants; bind-group layout inferred from the shader.
pub fn compute_pipeline(
    ctx: &GpuContext,
    label: &str,
    source: &str,
    entry_point: &str,
    constants: &[(&str, f64)],
) -> Result<wgpu::ComputePipeline, GpuError> {
    let scope = ctx.device.push_error_scope(wgpu::ErrorFilter::Validation);
    let module = ctx
        .device
        .create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some(label),
            source: wgpu::ShaderSource::Wgsl(source.into()),
        });
    let pipeline = ctx
        .device
        .create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
            label: Some(label),
            layout: None,
            module: &module,
            entry_point: Some(entry_point),
            compilation_options: wgpu::PipelineCompilationOptions {
                constants,
                zero_initialize_workgroup_memory: false,
            },
            cache: None,
        });
    if let Some(error) = pollster::block_on(scope.pop()) {
        return Err(GpuError::Wgpu(format!(
            "building the {label} kernel: {error}"
        )));
    }
    Ok(pipeline)
}

/// Workgroup counts for `invocations` threads in groups of `group_size`, folded into
/// two dimensions because one dimension is limited to 65535 workgroups.
pub fn dispatch_size(invocations: usize, group_size: u32) -> (u32, u32) {
    let groups = invocations.div_ceil(group_size as usize).max(1) as u32;
    let x = groups.min(65535);
    (x, groups.div_ceil(x))
}
