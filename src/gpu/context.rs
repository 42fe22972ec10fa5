//! Headless adapter selection and device creation.
//!
//! Preference: discrete GPU, then integrated, virtual, CPU (software Vulkan such as
//! lavapipe). `--adapter NAME` or `EMBOLUS_ADAPTER=NAME` picks the first adapter whose
//! name contains NAME (case-insensitive); `WGPU_BACKEND=vulkan|metal|dx12` restricts
//! the backends. The device is requested with the adapter's own limits so that large
//! grids get the buffers the hardware allows, not wgpu's conservative defaults.

use super::error::{ErrorSink, GpuError};
use std::sync::Arc;

/// Environment variable that selects an adapter by name.
pub const ADAPTER_ENV: &str = "EMBOLUS_ADAPTER";

/// A device ready for compute work, with what was chosen and why.
pub struct GpuContext {
    pub device: wgpu::Device,
    pub queue: wgpu::Queue,
    pub adapter_info: wgpu::AdapterInfo,
    pub limits: wgpu::Limits,
    /// Optional features enabled on the device (half-float storage when the adapter
    /// has it).
    pub features: wgpu::Features,
    pub(crate) errors: ErrorSink,
}

/// Summary of one adapter, for `embolus info` and result metadata.
#[derive(Clone, Debug, serde::Serialize)]
pub struct AdapterSummary {
    pub name: String,
    pub backend: String,
    pub device_type: String,
    pub driver: String,
    pub driver_info: String,
}

impl From<&wgpu::AdapterInfo> for AdapterSummary {
    fn from(info: &wgpu::AdapterInfo) -> Self {
        AdapterSummary {
            name: info.name.clone(),
            backend: format!("{:?}", info.backend),
            device_type: format!("{:?}", info.device_type),
            driver: info.driver.clone(),
            driver_info: info.driver_info.clone(),
        }
    }
}

fn instance() -> wgpu::Instance {
    wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle_from_env())
}

/// Every adapter wgpu can see (respecting `WGPU_BACKEND`).
pub fn list_adapters() -> Vec<wgpu::Adapter> {
    pollster::block_on(instance().enumerate_adapters(wgpu::Backends::all()))
}

fn preference(device_type: wgpu::DeviceType) -> u32 {
    match device_type {
        wgpu::DeviceType::DiscreteGpu => 0,
        wgpu::DeviceType::IntegratedGpu => 1,
        wgpu::DeviceType::VirtualGpu => 2,
        wgpu::DeviceType::Cpu => 3,
        wgpu::DeviceType::Other => 4,
    }
}

/// Picks an adapter: by name when `wanted` (or `EMBOLUS_ADAPTER`) is given, otherwise
/// the most capable kind available.
pub fn select_adapter(wanted: Option<&str>) -> Result<wgpu::Adapter, GpuError> {
    let adapters = list_adapters();
    if adapters.is_empty() {
        return Err(GpuError::NoAdapter);
    }
    let from_env = std::env::var(ADAPTER_ENV).ok().filter(|s| !s.is_empty());
    if let Some(name) = wanted.map(str::to_string).or(from_env) {
        let needle = name.to_lowercase();
        return adapters
            .iter()
            .find(|a| a.get_info().name.to_lowercase().contains(&needle))
            .cloned()
            .ok_or_else(|| GpuError::AdapterNotFound {
                wanted: name,
                available: adapters.iter().map(|a| a.get_info().name).collect(),
            });
    }
    let mut sorted = adapters;
    sorted.sort_by_key(|a| preference(a.get_info().device_type));
    Ok(sorted.remove(0))
}

impl GpuContext {
    /// Selects an adapter (see [`select_adapter`]) and opens a device on it.
    pub fn new(wanted_adapter: Option<&str>) -> Result<Self, GpuError> {
        let adapter = select_adapter(wanted_adapter)?;
        Self::from_adapter(adapter)
    }

    pub fn from_adapter(adapter: wgpu::Adapter) -> Result<Self, GpuError> {
        let adapter_info = adapter.get_info();
        let limits = adapter.limits();
        // Half-float population storage is optional: enable it wherever it exists.
        let features = adapter.features() & wgpu::Features::SHADER_F16;
        let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
            label: Some("embolus"),
            required_features: features,
            required_limits: limits.clone(),
            experimental_features: wgpu::ExperimentalFeatures::disabled(),
            memory_hints: wgpu::MemoryHints::Performance,
            trace: wgpu::Trace::Off,
        }))
        .map_err(|e| GpuError::Device {
            adapter: adapter_info.name.clone(),
            message: e.to_string(),
        })?;
        let errors = ErrorSink::default();
        let sink = errors.clone();
        device.on_uncaptured_error(Arc::new(move |e: wgpu::Error| sink.record(e.to_string())));
        Ok(GpuContext {
            device,
            queue,
            adapter_info,
            limits,
            features,
            errors,
        })
    }

    pub fn summary(&self) -> AdapterSummary {
        AdapterSummary::from(&self.adapter_info)
    }

    /// Waits for all submitted work, then reports any error the device raised.
    pub fn finish(&self) -> Result<(), GpuError> {
        self.device
            .poll(wgpu::PollType::wait_indefinitely())
            .map_err(|e| GpuError::Device {
                adapter: self.adapter_info.name.clone(),
                message: e.to_string(),
            })?;
        self.errors.check()
    }
}
