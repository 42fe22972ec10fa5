//! One declaration per kernel's bindings: name, access and WGSL type of each
//! resource, in binding order. From it come both the WGSL declarations the kernel is
//! compiled with and the bind-group layout and entries, matched by name, so the Rust
//! side and the shader cannot disagree about a binding's number or access.

use super::context::GpuContext;
use super::error::GpuError;

/// How a kernel sees one resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// `var<uniform>`.
    Uniform,
    /// `var<storage, read>`.
    Read,
    /// `var<storage, read_write>`.
    ReadWrite,
}

/// One binding of a kernel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Binding {
    pub name: String,
    pub access: Access,
    /// The WGSL type, e.g. `array<vec4<f32>>` or `StepState`.
    pub wgsl_type: String,
}

/// The bindings of one kernel module (group 0), in binding order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Bindings {
    list: Vec<Binding>,
}

impl Bindings {
    pub fn new() -> Self {
        Bindings::default()
    }

    fn push(mut self, name: impl Into<String>, access: Access, wgsl_type: &str) -> Self {
        let name = name.into();
        assert!(
            self.list.iter().all(|b| b.name != name),
            "binding `{name}` declared twice"
        );
        self.list.push(Binding {
            name,
            access,
            wgsl_type: wgsl_type.into(),
        });
        self
    }

    /// A uniform buffer.
    pub fn uniform(self, name: impl Into<String>, wgsl_type: &str) -> Self {
        self.push(name, Access::Uniform, wgsl_type)
    }

    /// A read-only storage buffer.
    pub fn read(self, name: impl Into<String>, wgsl_type: &str) -> Self {
        self.push(name, Access::Read, wgsl_type)
    }

    /// A read-write storage buffer.
    pub fn read_write(self, name: impl Into<String>, wgsl_type: &str) -> Self {
        self.push(name, Access::ReadWrite, wgsl_type)
    }

    /// These bindings followed by `other`'s.
    pub fn then(mut self, other: Bindings) -> Self {
        for b in other.list {
            self = self.push(b.name, b.access, &b.wgsl_type);
        }
        self
    }

    pub fn iter(&self) -> impl Iterator<Item = &Binding> {
        self.list.iter()
    }

    pub fn len(&self) -> usize {
        self.list.len()
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Storage buffers among the bindings (adapters limit them per kernel).
    pub fn storage_count(&self) -> u32 {
        self.list
            .iter()
            .filter(|b| b.access != Access::Uniform)
            .count() as u32
    }

    /// The WGSL declarations, numbered in order.
    pub fn wgsl(&self) -> String {
        let mut s = String::from("// ---- bindings (generated from the kernel's declaration)\n");
        for (n, b) in self.list.iter().enumerate() {
            let space = match b.access {
                Access::Uniform => "uniform",
                Access::Read => "storage, read",
                Access::ReadWrite => "storage, read_write",
            };
            s += &format!(
                "@group(0) @binding({n}) var<{space}> {}: {};\n",
                b.name, b.wgsl_type
            );
        }
        s
    }

    /// The bind-group layout these bindings describe (compute stage).
    pub fn layout(&self, ctx: &GpuContext, label: &str) -> wgpu::BindGroupLayout {
        let entries: Vec<wgpu::BindGroupLayoutEntry> = self
            .list
            .iter()
            .enumerate()
            .map(|(n, b)| wgpu::BindGroupLayoutEntry {
                binding: n as u32,
                visibility: wgpu::ShaderStages::COMPUTE,
                ty: wgpu::BindingType::Buffer {
                    ty: match b.access {
                        Access::Uniform => wgpu::BufferBindingType::Uniform,
                        Access::Read => wgpu::BufferBindingType::Storage { read_only: true },
                        Access::ReadWrite => wgpu::BufferBindingType::Storage { read_only: false },
                    },
                    has_dynamic_offset: false,
                    min_binding_size: None,
                },
                count: None,
            })
            .collect();
        ctx.device
            .create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
                label: Some(label),
                entries: &entries,
            })
    }

    /// The bind group giving each declared binding the buffer of the same name in
    /// `resources` (resources the kernel does not declare are ignored).
    pub fn bind_group(
        &self,
        ctx: &GpuContext,
        layout: &wgpu::BindGroupLayout,
        label: &str,
        resources: &Resources<'_>,
    ) -> Result<wgpu::BindGroup, GpuError> {
        let entries = self
            .list
            .iter()
            .enumerate()
            .map(|(n, b)| {
                let buffer = resources.get(&b.name).ok_or_else(|| {
                    GpuError::Wgpu(format!(
                        "the {label} kernel declares a binding `{}` that no buffer was given for (given: {})",
                        b.name,
                        resources.names().join(", ")
                    ))
                })?;
                Ok(wgpu::BindGroupEntry {
                    binding: n as u32,
                    resource: buffer.as_entire_binding(),
                })
            })
            .collect::<Result<Vec<_>, GpuError>>()?;
        Ok(ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some(label),
            layout,
            entries: &entries,
        }))
    }
}

/// Buffers by the names kernels declare them under.
#[derive(Clone, Default)]
pub struct Resources<'a> {
    named: Vec<(String, &'a wgpu::Buffer)>,
}

impl<'a> Resources<'a> {
    pub fn new() -> Self {
        Resources::default()
    }

    /// Adds (or replaces) the buffer called `name`.
    pub fn with(mut self, name: impl Into<String>, buffer: &'a wgpu::Buffer) -> Self {
        self.insert(name, buffer);
        self
    }

    pub fn insert(&mut self, name: impl Into<String>, buffer: &'a wgpu::Buffer) {
        let name = name.into();
        self.named.retain(|(n, _)| *n != name);
        self.named.push((name, buffer));
    }

    /// These resources and `other`'s (`other` wins on equal names).
    pub fn and(mut self, other: &Resources<'a>) -> Self {
        for (name, buffer) in &other.named {
            self.insert(name.clone(), buffer);
        }
        self
    }

    pub fn get(&self, name: &str) -> Option<&'a wgpu::Buffer> {
        self.named.iter().find(|(n, _)| n == name).map(|(_, b)| *b)
    }

    fn names(&self) -> Vec<&str> {
        self.named.iter().map(|(n, _)| n.as_str()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declarations_number_bindings_in_order_with_their_access() {
        let b = Bindings::new()
            .uniform("params", "Params")
            .read("flags", "array<u32>")
            .read_write("out", "array<vec4<f32>>");
        assert_eq!(
            b.wgsl(),
            "// ---- bindings (generated from the kernel's declaration)\n\
             @group(0) @binding(0) var<uniform> params: Params;\n\
             @group(0) @binding(1) var<storage, read> flags: array<u32>;\n\
             @group(0) @binding(2) var<storage, read_write> out: array<vec4<f32>>;\n"
        );
        assert_eq!(b.storage_count(), 2);
        let joined = b.then(Bindings::new().read("more", "array<f32>"));
        assert_eq!(joined.iter().last().unwrap().name, "more");
    }

    #[test]
    #[should_panic(expected = "declared twice")]
    fn a_name_is_declared_once() {
        let _ = Bindings::new()
            .read("flags", "array<u32>")
            .read_write("flags", "array<u32>");
    }
}
