//! Voxelization speed: a 1e6-triangle open tube surface into a 256³ grid (CPU threads).

use criterion::{criterion_group, criterion_main, Criterion};
use embolus::geometry::stl::Mesh;
use embolus::geometry::surface::voxelize_surface;
use std::time::Duration;

/// An open-ended wavy tube along z: `sides` × `rings` quads, 2 triangles each.
fn tube_mesh(sides: usize, rings: usize, radius: f64, length: f64) -> Mesh {
    let mut mesh = Mesh::default();
    for r in 0..=rings {
        let z = length * r as f64 / rings as f64;
        let wobble = 1.0 + 0.1 * (z / length * std::f64::consts::TAU * 3.0).sin();
        for s in 0..sides {
            let a = std::f64::consts::TAU * s as f64 / sides as f64;
            mesh.vertices
                .push([radius * wobble * a.cos(), radius * wobble * a.sin(), z]);
        }
    }
    for r in 0..rings {
        for s in 0..sides {
            let (i0, i1) = ((r * sides + s) as u32, (r * sides + (s + 1) % sides) as u32);
            let (j0, j1) = (i0 + sides as u32, i1 + sides as u32);
            mesh.triangles.push([i0, i1, j1]);
            mesh.triangles.push([i0, j1, j0]);
        }
    }
    mesh
}

fn voxelize(c: &mut Criterion) {
    let mesh = tube_mesh(1000, 500, 0.0115, 0.0256);
    assert_eq!(mesh.triangles.len(), 1_000_000);
    let mut group = c.benchmark_group("voxelize");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    // 1e-4 m voxels: 256 cells along the 25.6 mm tube, ~256 across with padding.
    group.bench_function("1e6 triangles into 256^3", |b| {
        b.iter(|| voxelize_surface(mesh.clone(), &[], None, 1e-4).unwrap())
    });
    group.finish();
}

criterion_group!(benches, voxelize);
criterion_main!(benches);
