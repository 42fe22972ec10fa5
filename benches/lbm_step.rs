//! Criterion bench of one D3Q19 TRT step on dense periodic boxes (64³, 128³).
//! Throughput is reported in cells per second: divide by 1e6 for MLUPS.
//! `embolus bench` gives the same numbers as a table and JSON.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use embolus::bench::dense_box;
use embolus::gpu::GpuContext;
use embolus::sim::GpuLattice;
use std::time::{Duration, Instant};

fn lbm_step(c: &mut Criterion) {
    let ctx = GpuContext::new(None).unwrap_or_else(|e| panic!("{e}"));
    let mut group = c.benchmark_group(format!("lbm_step f32 TRT on {}", ctx.adapter_info.name));
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(2));
    group.measurement_time(Duration::from_secs(10));
    for n in [64usize, 128] {
        let setup = dense_box(n);
        let mut lattice = GpuLattice::new(&ctx, &setup).unwrap();
        drop(setup);
        group.throughput(Throughput::Elements((n * n * n) as u64));
        group.bench_function(format!("{n}^3"), |b| {
            b.iter_custom(|steps| {
                let start = Instant::now();
                let mut left = steps;
                while left > 0 {
                    let batch = left.min(1000);
                    lattice.step(&ctx, batch as u32);
                    left -= batch;
                }
                ctx.finish().unwrap();
                start.elapsed()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, lbm_step);
criterion_main!(benches);
