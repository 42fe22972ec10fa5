// STREAM-style copy (McCalpin, "STREAM: Sustainable Memory Bandwidth in High
// Performance Computers"): dst[i] = src[i], 16 bytes per element, one element per
// thread. Bandwidth = 2 × bytes / time (one read, one write).

// Bindings (declared in src/kernels/, generated in front of this file):
//   src: array<vec4<f32>> (read)
//   dst: array<vec4<f32>> (read_write)

@compute @workgroup_size(256)
fn copy(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let i = gid.x + gid.y * groups.x * 256u;
    if (i >= arrayLength(&src)) {
        return;
    }
    dst[i] = src[i];
}
