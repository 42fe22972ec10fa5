//! Compute kernels: a module compiled from a [`KernelSource`], its bind-group layout
//! built from the kernel's binding declaration, pipelines per entry point, and bind
//! groups matched by name. Validation errors are caught in error scopes, so a shader
//! problem becomes a [`GpuError`] rather than a panic.

use super::bindings::{Bindings, Resources};
use super::context::GpuContext;
use super::error::GpuError;
use crate::kernels::KernelSource;

/// The shader module of `source`. wgpu guards every loop with a counter that ends it
/// after 2⁶⁴ turns (`force_loop_bounding`: a loop that never ends is undefined
/// behaviour for some backend compilers). A kernel whose loops are all counted has no
/// use for it; for the particle kernels the guard doubles the time lavapipe takes to
/// build them (2.5 → 1.1 s per run), so they are marked `counted_loops` and built
/// without it. The lattice kernels keep it: without it lavapipe's stream-collide ran
/// at 2.0 instead of 3.6 MLUPS. Bounds checks stay on for all.
fn create_module(ctx: &GpuContext, label: &str, source: &KernelSource) -> wgpu::ShaderModule {
    let desc = wgpu::ShaderModuleDescriptor {
        label: Some(label),
        source: wgpu::ShaderSource::Wgsl(source.wgsl.as_str().into()),
    };
    if !source.counted_loops {
        return ctx.device.create_shader_module(desc);
    }
    let mut checks = wgpu::ShaderRuntimeChecks::checked();
    checks.force_loop_bounding = false;
    // SAFETY: the one check left out guards against loops without end, and every loop
    // of a `counted_loops` source is a `for` over a finite bound (a test in
    // kernels::catalogue checks that such sources have no `loop` or `while`).
    unsafe { ctx.device.create_shader_module_trusted(desc, checks) }
}

/// One compiled kernel module with its bindings' layout.
pub struct KernelModule {
    label: String,
    bindings: Bindings,
    group_layout: wgpu::BindGroupLayout,
    pipeline_layout: wgpu::PipelineLayout,
    module: wgpu::ShaderModule,
}

impl KernelModule {
    /// Compiles `source`; `label` names it in errors.
    pub fn new(ctx: &GpuContext, label: &str, source: &KernelSource) -> Result<Self, GpuError> {
        let scope = ctx.device.push_error_scope(wgpu::ErrorFilter::Validation);
        let group_layout = source.bindings.layout(ctx, label);
        let pipeline_layout = ctx
            .device
            .create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
                label: Some(label),
                bind_group_layouts: &[Some(&group_layout)],
                immediate_size: 0,
            });
        let module = create_module(ctx, label, source);
        if let Some(error) = pollster::block_on(scope.pop()) {
            return Err(GpuError::Wgpu(format!(
                "compiling the {label} kernels: {error}"
            )));
        }
        Ok(KernelModule {
            label: label.into(),
            bindings: source.bindings.clone(),
            group_layout,
            pipeline_layout,
            module,
        })
    }

    /// The pipeline of `entry_point` with the given pipeline-overridable constants.
    pub fn pipeline(
        &self,
        ctx: &GpuContext,
        entry_point: &str,
        constants: &[(&str, f64)],
    ) -> Result<wgpu::ComputePipeline, GpuError> {
        let scope = ctx.device.push_error_scope(wgpu::ErrorFilter::Validation);
        let pipeline = ctx
            .device
            .create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                label: Some(entry_point),
                layout: Some(&self.pipeline_layout),
                module: &self.module,
                entry_point: Some(entry_point),
                compilation_options: wgpu::PipelineCompilationOptions {
                    constants,
                    zero_initialize_workgroup_memory: false,
                },
                cache: None,
            });
        if let Some(error) = pollster::block_on(scope.pop()) {
            return Err(GpuError::Wgpu(format!(
                "building the {entry_point} kernel ({}): {error}",
                self.label
            )));
        }
        Ok(pipeline)
    }

    /// The bind group giving each binding the buffer of its name in `resources`.
    pub fn bind(
        &self,
        ctx: &GpuContext,
        resources: &Resources<'_>,
    ) -> Result<wgpu::BindGroup, GpuError> {
        self.bindings
            .bind_group(ctx, &self.group_layout, &self.label, resources)
    }
}

/// A pipeline with its bind group: one dispatchable kernel.
pub struct BoundKernel {
    pub pipeline: wgpu::ComputePipeline,
    pub group: wgpu::BindGroup,
}

impl BoundKernel {
    pub fn new(pipeline: wgpu::ComputePipeline, group: wgpu::BindGroup) -> Self {
        BoundKernel { pipeline, group }
    }

    /// Records a dispatch of `workgroups` (x, y) groups.
    pub fn record(&self, pass: &mut wgpu::ComputePass<'_>, workgroups: (u32, u32)) {
        pass.set_pipeline(&self.pipeline);
        pass.set_bind_group(0, &self.group, &[]);
        pass.dispatch_workgroups(workgroups.0, workgroups.1, 1);
    }
}

/// Workgroup counts for `invocations` threads in groups of `group_size`, folded into
/// two dimensions because one dimension is limited to 65535 workgroups.
pub fn dispatch_size(invocations: usize, group_size: u32) -> (u32, u32) {
    let groups = invocations.div_ceil(group_size as usize).max(1) as u32;
    let x = groups.min(65535);
    (x, groups.div_ceil(x))
}

/// Records one compute pass with `record` and submits it (does not wait).
pub fn submit_pass(ctx: &GpuContext, label: &str, record: impl FnOnce(&mut wgpu::ComputePass<'_>)) {
    let mut encoder = ctx
        .device
        .create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some(label) });
    {
        let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
            label: Some(label),
            timestamp_writes: None,
        });
        record(&mut pass);
    }
    ctx.queue.submit([encoder.finish()]);
}
