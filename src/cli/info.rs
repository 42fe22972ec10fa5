//! `embolus info`: the adapters, the one chosen and the limits that matter.

use anyhow::Result;
use embolus::gpu::context::{list_adapters, select_adapter, ADAPTER_ENV};
use embolus::gpu::GpuContext;
use std::process::ExitCode;

pub fn info(adapter: Option<&str>) -> Result<ExitCode> {
    let adapters = list_adapters();
    println!("adapters ({}):", adapters.len());
    for a in &adapters {
        let i = a.get_info();
        println!(
            "  - {} [{:?}, {:?}] driver: {} {}",
            i.name, i.backend, i.device_type, i.driver, i.driver_info
        );
    }
    let chosen = select_adapter(adapter)?;
    let ctx = GpuContext::from_adapter(chosen)?;
    let l = &ctx.limits;
    println!("chosen: {}", ctx.adapter_info.name);
    let mib = |b: u64| b as f64 / 1048576.0;
    println!(
        "  max storage buffer binding   {:.0} MiB",
        mib(l.max_storage_buffer_binding_size)
    );
    println!(
        "  max buffer size              {:.0} MiB",
        mib(l.max_buffer_size)
    );
    println!(
        "  storage buffers per stage    {}",
        l.max_storage_buffers_per_shader_stage
    );
    println!(
        "  workgroups per dimension     {}",
        l.max_compute_workgroups_per_dimension
    );
    println!(
        "  invocations per workgroup    {}",
        l.max_compute_invocations_per_workgroup
    );
    println!(
        "  workgroup storage            {} B",
        l.max_compute_workgroup_storage_size
    );
    let n = embolus::sim::lattice_gpu::storage::largest_dense_cube(l);
    println!(
        "  largest dense cube by binding limits: {n}^3 (device memory permitting: {:.0} MiB)",
        mib(embolus::sim::lattice_gpu::memory_bytes(
            n.pow(3),
            None,
            0,
            embolus::lbm::setup::Precision::F32,
            2
        ))
    );
    println!("select another with --adapter NAME or {ADAPTER_ENV}=NAME; restrict backends with WGPU_BACKEND=vulkan|metal|dx12");
    Ok(ExitCode::SUCCESS)
}
